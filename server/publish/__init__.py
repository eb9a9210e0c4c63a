"""Publishing exercises without a shell: an uploaded archive is unpacked safely, checked in the
sandbox and published as a new version (API, pages and `tracegrade push`/`pull` build on it).
"""
