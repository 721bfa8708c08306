"""The compute devices this machine really has, and turning a user's choice into one of them."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.errors import DeviceError


@dataclass(frozen=True)
class DeviceInfo:
    id: str  # what torch.device accepts: "cpu", "cuda:0", "mps"
    name: str  # what a person reads: "CPU (2 threads)", "NVIDIA H100 80GB HBM3"

    @property
    def label(self) -> str:
        return f"{self.id} — {self.name}"


def list_devices() -> list[DeviceInfo]:
    """CPU always; each CUDA device with its name; MPS on Apple silicon when it is usable."""
    devices = [DeviceInfo("cpu", f"CPU ({torch.get_num_threads()} threads)")]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            devices.append(DeviceInfo(f"cuda:{index}", torch.cuda.get_device_name(index)))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(DeviceInfo("mps", "Apple Metal (MPS)"))
    return devices


def resolve_device(spec: str) -> str:
    """Map "auto", "cpu", "cuda", "cuda:N" or "mps" to a device id that exists here, or raise DeviceError."""
    wanted = spec.strip().lower()
    available = {device.id for device in list_devices()}
    if wanted == "auto":
        for candidate in ("cuda:0", "mps"):
            if candidate in available:
                return candidate
        return "cpu"
    if wanted == "cuda":
        wanted = "cuda:0"
    if wanted in available:
        return wanted
    known = ", ".join(sorted(available))
    if wanted.startswith("cuda") or wanted == "mps":
        raise DeviceError(f"Device '{spec}' is not available on this machine (available: {known}).")
    raise DeviceError(f"Unknown device '{spec}': use auto, cpu, cuda, cuda:N or mps (available: {known}).")
