from hplint.cli import run

run()
