"""Embed the support-article corpus and upsert it into Qdrant."""
import torch
from pymongo import MongoClient
from qdrant_client import QdrantClient
from qdrant_client.models import Distance, PointStruct, VectorParams
from torch.utils.data import DataLoader
from transformers import AutoModel, AutoTokenizer

MONGO_URI = "mongodb://localhost:27017"
COLLECTION = "support_articles"
UPSERT_BATCH = 100

tokenizer = AutoTokenizer.from_pretrained("BAAI/bge-small-en-v1.5")
encoder = AutoModel.from_pretrained("BAAI/bge-small-en-v1.5").eval().cuda()

articles = list(MongoClient(MONGO_URI)["kb"]["articles"].find({}, {"_id": 1, "body": 1}).batch_size(1000))


def collate(rows):
    enc = tokenizer([r["body"] for r in rows], padding=True, truncation=True, max_length=512, return_tensors="pt")
    return [str(r["_id"]) for r in rows], enc


@torch.inference_mode()
def embed_all():
    ids, vectors = [], []
    for batch_ids, enc in DataLoader(articles, batch_size=256, collate_fn=collate):
        out = encoder(**{k: v.cuda() for k, v in enc.items()})
        emb = torch.nn.functional.normalize(out.last_hidden_state[:, 0], dim=-1)
        ids += batch_ids
        vectors += emb.cpu().tolist()
    return ids, vectors


def main():
    client = QdrantClient(url="http://localhost:6333")
    client.recreate_collection(COLLECTION, vectors_config=VectorParams(size=384, distance=Distance.COSINE))
    ids, vectors = embed_all()
    points = [PointStruct(id=i, vector=v, payload={"mongo_id": m}) for i, (m, v) in enumerate(zip(ids, vectors))]
    client.upload_points(COLLECTION, points=points, batch_size=UPSERT_BATCH, parallel=4)
    print(f"indexed {len(points)} articles")


if __name__ == "__main__":
    main()
