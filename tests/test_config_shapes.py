"""Config shapes real projects use: MMEngine Python configs, yacs bases, anchors, documents."""

from __future__ import annotations


def test_mmengine_python_config(project):
    linted = project({
        "configs/_base_/schedules/schedule_1x.py": """
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
            optim_wrapper = dict(
                type='OptimWrapper',
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
            ]
        """,
        "configs/retinanet/retinanet_r50_fpn_1x_coco.py": """
            _base_ = ['../_base_/schedules/schedule_1x.py']
            train_dataloader = dict(batch_size=64, num_workers=2)
            val_dataloader = dict(batch_size=128, num_workers=2)
        """,
    })
    assert [(d["code"], d["path"], d["line"]) for d in linted.diagnostics()] == [
        ("HP101", "configs/retinanet/retinanet_r50_fpn_1x_coco.py", 2),
    ]
    assert linted.diagnostics()[0]["message"].startswith("batch_size=64 (key train_dataloader.batch_size)")


def test_dict_constants_in_ordinary_code_are_not_a_config(project):
    linted = project({"utils/defaults.py": "DEFAULTS = dict(lr=10.0, batch_size=4096)\n"})
    assert linted.diagnostics() == []


def test_yacs_child_config_counts_with_a_single_key(project):
    linted = project({"configs/mask_rcnn_R_50_FPN_3x.yaml": """
        _BASE_: "Base-RCNN-FPN.yaml"
        SOLVER:
          BASE_LR: 2.0
    """})
    [finding] = linted.diagnostics()
    assert (finding["code"], finding["line"]) == ("HP103", 3)


def test_anchors_and_merge_keys(project):
    linted = project({"configs/train.yaml": """
        defaults: &defaults
          lr: 0.01
          batch_size: 64
        small:
          <<: *defaults
          batch_size: 16
    """})
    assert [(d["code"], d["line"]) for d in linted.diagnostics()] == [("HP101", 3)]


def test_every_yaml_document_is_read(project):
    linted = project({"configs/sweep.yaml": """
        lr: 0.1
        batch_size: 16
        ---
        lr: 4.0
        batch_size: 16
    """})
    assert [(d["code"], d["line"]) for d in linted.diagnostics()] == [("HP103", 4)]


def test_numbers_as_people_write_them(project):
    linted = project({"configs/train.yaml": """
        optim:
          lr: 1e-7
          weight_decay: 5.0e-4
        data:
          batch_size: 1_024
    """})
    found = [(d["code"], d["line"], d["message"].split(":")[0]) for d in linted.diagnostics()]
    assert found == [
        ("HP103", 2, "lr=1e-07 (key optim.lr) is below 1e-06"),
        ("HP101", 5, "batch_size=1024 (key data.batch_size)"),
    ]
