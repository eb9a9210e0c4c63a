"""The sandbox room: isolating student code on Linux. It knows nothing of pytest, grading or the
pool: it takes a job's paths and limits, and gives back files and exit statuses.

In the order a sandbox is made (one module per concern, as in nsjail):
  availability  can this machine do it (namespaces, tmpfs, seccomp): probed once
  namespaces    new mount, PID, IPC, UTS, network namespaces (+ user namespace when not root)
  root          the minimal filesystem, built before the job and filled when it comes
  contain       the student process: PID 1, pivot_root, its uid (privileges), rlimits, seccomp
  seccomp       the system-call filter
  watch         waiting for the student process (inotify), then ending the sandbox
  copyout       the results out of /out, by the kernel, capped
  grader_view   phase 2's root: the exercise version, one job's files bound in at a time
  scratch       the host's temporary folders for gradings and mount points
  syscalls      the libc calls the others make
"""
from graders.sandbox.availability import Availability, probe
from graders.sandbox.syscalls import SandboxError

__all__ = ["Availability", "SandboxError", "probe"]
