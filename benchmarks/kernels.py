"""mcutool's kernels on the anchor layers (mcutool/report/anchors.py), on every emulated CPU:
guest instructions beside CMSIS-NN's and plain C's (same layers, same QEMU), plus flash and RAM.

    .venv/bin/python benchmarks/kernels.py [board ...]
"""
import sys

from mcutool.report.anchors import BOARD_CPU
from mcutool.report.bench import bench_layers, format_bench

BOARDS = ["mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547"]

if __name__ == "__main__":
    for board in sys.argv[1:] or BOARDS:
        print(f"{format_bench(board, bench_layers(board))}   [anchor CPU column: {BOARD_CPU.get(board)}]\n")
