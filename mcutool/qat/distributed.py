"""torchrun support: under `torchrun --nproc_per_node=K -m mcutool qat ...` each process trains
on its share of every batch and DistributedDataParallel (gloo, CPU) averages the gradients;
rank 0 alone evaluates, writes and prints."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def launched_world() -> World:
    """The world torchrun describes in the environment (a single process without it)."""
    return World(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))


def start(world: World) -> None:
    if world.size > 1 and not dist.is_initialized():
        dist.init_process_group("gloo", rank=world.rank, world_size=world.size)


def stop(world: World) -> None:
    if world.size > 1 and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def wrap(model: torch.nn.Module, world: World) -> torch.nn.Module:
    if world.size == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel
    return DistributedDataParallel(model)
