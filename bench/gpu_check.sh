#!/usr/bin/env bash
# On a machine with CUDA (run from the checkout): the GPU tests, the training process and the trainer's tests,
# then each optimizer's whole-run time per epoch (set-up included) on the CPU and on CUDA, in one process.
set -u
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}  # the device image's python3 holds torch with CUDA; elsewhere PYTHON=.venv/bin/python
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PY" -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
timeout 300 "$PY" -m pytest -q -p no:cacheprovider -o addopts="" tests/test_gpu.py tests/test_training_process.py tests/test_trainer.py 2>&1 | tail -15
# Step, Continue, the pace, races and the step records on the default device ("auto": CUDA here); the one
# test that needs Qt (the run history's memory budget) is left out: the device image has no PySide6.
timeout 300 "$PY" -m pytest -q -p no:cacheprovider -o addopts="" tests/test_stepping.py -k "not budget" 2>&1 | tail -8
# Polynomials (issue 13): fused against autograd per step at N = 1e6 on each device.
for dev in cpu cuda; do timeout 240 "$PY" bench/polynomial_steps.py --device "$dev" --repeats 3 2>&1 | tail -4; done
timeout 200 "$PY" - <<'PY'
import time, numpy as np, torch
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.trainer import train
from engine.training.optimizers import OPTIMIZERS
rng = np.random.default_rng(0)
for n, epochs in ((4, 1000), (1_000_000, 200), (10_000_000, 50)):
    x = rng.uniform(-2, 2, n); pts = PointSet.from_columns(x, 0.5 * x + 2 + rng.normal(scale=0.2, size=n))
    for opt in OPTIMIZERS:
        row = []
        for dev in ("cpu", "cuda"):
            cfg = TrainingConfig(device=dev, epochs=epochs, optimizer=opt, learning_rate=0.05)
            train(pts, TrainingConfig(device=dev, epochs=3, optimizer=opt))  # warm-up
            t = time.perf_counter(); r = train(pts, cfg); dt = time.perf_counter() - t
            row.append((dt / epochs * 1e6, r.weight, r.bias, r.path))
        (c, cw, cb, cp), (g, gw, gb, gp) = row
        print(f"N={n:>10,} {opt:8s} {cp}: cpu {c:9.1f} us/step  cuda {g:9.1f} us/step  cuda/cpu {g/c:6.3f}  |dw|={abs(cw-gw):.2e} |db|={abs(cb-gb):.2e}")
from engine.training.pacing import FixedPace
for dev in ("cpu", "cuda"):  # the pace on each device: achieved steps/s over the pace
    for pace in (250.0, 1000.0):
        steps = int(pace * 2)
        t = time.perf_counter(); r = train(PointSet.seed(), TrainingConfig(device=dev, epochs=steps), pace=FixedPace(pace))
        dt = time.perf_counter() - t
        print(f"pace {pace:6.0f} on {dev:4s}: {steps / dt:8.1f} steps/s achieved, ratio {steps / dt / pace:.4f}")
PY
