"""Hardware telemetry: NVML when there is a GPU, a clear reason when not, CPU and RAM."""

from __future__ import annotations

from engine.telemetry import FakeGpuProvider, GpuReading, NvmlProvider, read_all, read_host


def test_nvml_without_a_gpu_says_why_and_still_reads_the_host() -> None:
    provider = NvmlProvider()
    readings = provider.read()
    if readings:  # a GPU machine: every device has memory figures
        assert all(r.memory_total > 0 for r in readings)
        return
    assert provider.status.startswith("no GPU")
    reading = read_all(provider)
    assert reading.gpus == [] and reading.gpu_status.startswith("no GPU")
    assert reading.host is not None and reading.host.ram_total > 0


def test_fake_gpus_are_reported_as_given() -> None:
    gpu = GpuReading(0, "Fake", 50.0, 1, 4, 60.0, 100.0, 300.0)
    reading = read_all(FakeGpuProvider([gpu]))
    assert reading.gpus == [gpu] and reading.gpu_status == ""
    assert gpu.memory_fraction == 0.25


def test_host_reading() -> None:
    host = read_host()
    assert host.cpus >= 1 and 0 <= host.cpu_percent <= 100 * host.cpus
    assert 0 < host.ram_used <= host.ram_total
