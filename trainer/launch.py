"""The parent side of a run: validate, then launch the ranks in a child process group (torchrun
or DeepSpeed's launcher) and relay their JSON lines; SIGTERM stops every rank through the
launcher, and if this process dies (SIGKILL included) the launcher and every rank die with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from trainer.config import TrainConfig
from trainer.lifeline import die_with_parent, lifeline_env
from trainer.zero import launch_env


def launch_command(cfg: TrainConfig, config_path: Path) -> list[str]:
    worker = ["-m", "trainer", "worker", "--config", str(config_path)]
    n = str(cfg.runtime.nproc)
    if cfg.runtime.launcher == "deepspeed":
        # --module runs `python -m trainer ...` in each rank; localhost only, no hostfile.
        return [sys.executable, "-m", "deepspeed.launcher.runner", "--num_gpus", n, "--no_local_rank",
                "--module", *worker[1:]]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc_per_node", n, *worker]


def _relay_stderr(stream, sink) -> None:
    for line in stream:
        sink.write(line)
        sink.flush()


def run_child(cfg: TrainConfig, config_path: Path, stdout=None, stderr=None) -> int:
    """Run the ranks; JSON lines from their stdout go to our stdout, anything else (DeepSpeed's
    and the compiler's chatter) to stderr. Returns the launcher's exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    env = os.environ | launch_env(cfg) | lifeline_env()
    # The repo root first on the path, so the ranks import this very trainer.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    # The launcher dies with us (its death signal); the ranks watch us themselves (lifeline.py).
    proc = subprocess.Popen(launch_command(cfg, config_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=die_with_parent)
    relay = threading.Thread(target=_relay_stderr, args=(proc.stderr, stderr), daemon=True)
    relay.start()

    def stop(signum, _frame):  # the job runner cancels us: take the whole group down
        os.killpg(proc.pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        for line in proc.stdout:
            is_event = line.startswith("{")
            if is_event:
                try:
                    json.loads(line)
                except json.JSONDecodeError:
                    is_event = False
            (stdout if is_event else stderr).write(line)
            (stdout if is_event else stderr).flush()
        code = proc.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    relay.join(timeout=5)
    return code
