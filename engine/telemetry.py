"""Hardware telemetry for the Train screen: every GPU through NVML, and the host's CPU and RAM.

GPUs come from a provider, so tests (and machines without NVIDIA drivers) plug in their own:
``NvmlProvider`` reads every device's utilisation, memory, temperature and power through
``pynvml`` (nvidia-ml-py) and reports why when NVML is not there; ``FakeGpuProvider`` returns
fixed readings. Each call is a few NVML queries per device (well under a millisecond each);
callers poll from a worker thread, never the UI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class GpuReading:
    index: int
    name: str
    utilisation: float | None
    """Percent of the last sample period a kernel ran."""
    memory_used: int
    memory_total: int
    temperature: float | None
    """Degrees Celsius."""
    power: float | None
    """Watts."""
    power_limit: float | None

    @property
    def memory_fraction(self) -> float:
        return self.memory_used / self.memory_total if self.memory_total else 0.0


@dataclass(frozen=True)
class HostReading:
    cpu_percent: float
    cpus: int
    ram_used: int
    ram_total: int
    load: tuple[float, float, float] | None = None


@dataclass
class Telemetry:
    gpus: list[GpuReading] = field(default_factory=list)
    gpu_status: str = ""
    """Why there is no GPU reading ('' when there are GPUs)."""
    host: HostReading | None = None


class GpuProvider(Protocol):
    def read(self) -> list[GpuReading]: ...

    @property
    def status(self) -> str:
        """'' when readings work; otherwise why there are none ("no GPU: ...")."""
        ...


class NvmlProvider:
    """NVML through pynvml; initialised on first use, and once only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._initialised = False
        self._status = ""

    @property
    def status(self) -> str:
        return self._status

    def _init(self) -> bool:
        if self._initialised:
            return not self._status
        self._initialised = True
        try:
            import pynvml

            pynvml.nvmlInit()
            if pynvml.nvmlDeviceGetCount() == 0:
                self._status = "no GPU: NVML found no device"
        except ImportError:
            self._status = "no GPU: nvidia-ml-py is not installed"
        except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
            self._status = f"no GPU: NVML unavailable ({_nvml_reason(exc)})"
        return not self._status

    def read(self) -> list[GpuReading]:
        with self._lock:
            if not self._init():
                return []
            import pynvml

            try:
                return [_read_device(pynvml, i) for i in range(pynvml.nvmlDeviceGetCount())]
            except Exception as exc:  # a device lost mid-run
                self._status = f"no GPU: NVML error ({_nvml_reason(exc)})"
                return []


def _nvml_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.removeprefix("NVMLError_")


def _optional(call, *args):  # type: ignore[no-untyped-def]
    try:
        return call(*args)
    except Exception:  # not supported on this device
        return None


def _read_device(pynvml, index: int) -> GpuReading:  # type: ignore[no-untyped-def]
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    name = pynvml.nvmlDeviceGetName(handle)
    memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
    util = _optional(pynvml.nvmlDeviceGetUtilizationRates, handle)
    temp = _optional(pynvml.nvmlDeviceGetTemperature, handle, pynvml.NVML_TEMPERATURE_GPU)
    power = _optional(pynvml.nvmlDeviceGetPowerUsage, handle)
    limit = _optional(pynvml.nvmlDeviceGetEnforcedPowerLimit, handle)
    return GpuReading(
        index=index,
        name=name.decode() if isinstance(name, bytes) else str(name),
        utilisation=float(util.gpu) if util is not None else None,
        memory_used=int(memory.used),
        memory_total=int(memory.total),
        temperature=float(temp) if temp is not None else None,
        power=power / 1000.0 if power is not None else None,
        power_limit=limit / 1000.0 if limit is not None else None,
    )


class FakeGpuProvider:
    """Fixed readings (tests, screenshots); ``status`` says why when there are none."""

    def __init__(self, readings: list[GpuReading] | None = None, status: str = "") -> None:
        self.readings = list(readings or [])
        self._status = status or ("" if self.readings else "no GPU: none configured")

    @property
    def status(self) -> str:
        return self._status

    def read(self) -> list[GpuReading]:
        return list(self.readings)


def read_host() -> HostReading:
    """CPU use since the previous call (the first call measures nothing and reads 0) and RAM."""
    import os

    import psutil

    memory = psutil.virtual_memory()
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return HostReading(
        cpu_percent=float(psutil.cpu_percent(interval=None)),
        cpus=psutil.cpu_count() or 1,
        ram_used=int(memory.total - memory.available),
        ram_total=int(memory.total),
        load=load,
    )


def read_all(provider: GpuProvider) -> Telemetry:
    gpus = provider.read()
    return Telemetry(gpus=gpus, gpu_status="" if gpus else provider.status, host=read_host())


_default: NvmlProvider | None = None


def default_provider() -> NvmlProvider:
    global _default
    if _default is None:
        _default = NvmlProvider()
    return _default
