"""The warm pool room: zygotes that imported and warmed torch and pytest once, the job processes
they fork ahead of their jobs, collected grader sessions, and phase 2 streamed beside phase 1.

  warm            WarmPool, the Backend the Grader uses (one zygote of each kind per core)
  handles         the pool's side of its warm processes (ZygoteProcess, SessionProcess)
  backends        the Backend interface, ColdBackend, and watch_child (wall clock, output cap)
  zygote          the zygote program (`python -m graders.pool.zygote`)
  heap            single-threadedness and the huge-page collapse before forking
  spares          child processes forked ahead of their job
  jobs            one job's processes: the keepers, the student process, the grader process
  zygote_sandbox  the root zygote as its sandboxes' keeper
  sessions, session_server   collected phase-2 sessions: their keys, and the session itself
  session_keeper  a session's sandbox, and its keeper between the pool and the session
  stream          phase 2 alongside phase 1, seed by seed
  lazydynamo      the torch start-up shortcut (torch._dynamo kept out of the zygotes)
  seeding         torch.manual_seed without seed queues for devices that are not there
It imports the sandbox room; the grading room imports it (Backend, the default pool).
"""
__all__ = ["ALLOW_ENV", "PoolError", "WarmPool", "allow_unsandboxed", "cores",
           "make_default_backend", "require_sandbox"]


def __getattr__(name: str):
    """The pool's public names (graders.pool.warm), imported when first asked for: a job process
    that imports one module of this room does not pay for the rest."""
    if name in __all__:
        from graders.pool import warm
        return getattr(warm, name)
    raise AttributeError(f"module 'graders.pool' has no attribute {name!r}")
