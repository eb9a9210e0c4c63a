"""Bad archives are refused with a clear error and nothing written: over the size limit, zip
bombs (unpacked size, file count), '..' and absolute paths, symlinks, hard links, device files,
names that are not UTF-8, no exercise.toml. Good ones unpack, with or without a top folder."""
from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile

import pytest
from sqlalchemy import func, select

from server.models import ExerciseVersion, User
from server.publish.intake import ArchiveError, ArchiveLimits, unpack
from tests.server.conftest import COURSE, csrf, gen_token, gen_user, login
from tests.server.test_publish_helpers import exercise_copy, tar_folder, tar_of, zip_folder, zip_of

TOML = b'slug = "x"\n'


def zip_link(name="ex/link", target="/etc/passwd") -> bytes:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_of([("ex/exercise.toml", TOML), (info, target.encode())])


def zip_device() -> bytes:
    info = zipfile.ZipInfo("ex/dev")
    info.external_attr = (stat.S_IFCHR | 0o666) << 16
    return zip_of([("ex/exercise.toml", TOML), (info, b"")])


def tar_member(name, kind=tarfile.REGTYPE, linkname="", data=b"x"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, data


def tar_non_utf8() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT,
                      encoding="latin-1") as t:
        for name in ("ex/exercise.toml", "ex/na\u00efve.py"):
            info = tarfile.TarInfo(name)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


BOMB = zip_of([("ex/exercise.toml", TOML)] + [(f"ex/f{i}.txt", b"") for i in range(5)])
BIG = zip_of([("ex/exercise.toml", TOML), ("ex/zeros.bin", b"\0" * 5000)])

BAD = {
    "not an archive": (b"just some bytes", "not a .zip or .tar.gz"),
    "dot-dot (zip)": (zip_of([("ex/exercise.toml", TOML), ("ex/../../evil.py", b"x")]), "contains '..'"),
    "absolute (zip)": (zip_of([("exercise.toml", TOML), ("/tmp/evil.py", b"x")]), "absolute path"),
    "dot-dot (tar)": (tar_of([tar_member("ex/exercise.toml"), tar_member("../evil.py")]), "contains '..'"),
    "absolute (tar)": (tar_of([tar_member("exercise.toml"), tar_member("/tmp/evil.py")]), "absolute path"),
    "symlink (zip)": (zip_link(), "symbolic link"),
    "symlink (tar)": (tar_of([tar_member("ex/exercise.toml"),
                              tar_member("ex/x", tarfile.SYMTYPE, "/etc/passwd")]), "symbolic link"),
    "hard link (tar)": (tar_of([tar_member("ex/exercise.toml"),
                                tar_member("ex/x", tarfile.LNKTYPE, "ex/exercise.toml")]), "hard link"),
    "device (tar)": (tar_of([tar_member("ex/exercise.toml"), tar_member("ex/d", tarfile.CHRTYPE)]),
                     "not a regular file"),
    "fifo (tar)": (tar_of([tar_member("ex/exercise.toml"), tar_member("ex/p", tarfile.FIFOTYPE)]),
                   "not a regular file"),
    "device (zip)": (zip_device(), "not a regular file"),
    "non-UTF-8 name (tar)": (tar_non_utf8(), "not UTF-8"),
    "no exercise.toml": (zip_of([("ex/README.md", b"hi")]), "no exercise.toml"),
    "two top folders": (zip_of([("a/exercise.toml", TOML), ("b/README.md", b"x")]), "no exercise.toml"),
}
SMALL = ArchiveLimits(archive_bytes=4096, unpacked_bytes=1000, files=4)


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_archive_is_refused_and_nothing_is_written(tmp_path, name):
    data, why = BAD[name]
    with pytest.raises(ArchiveError, match=why):
        unpack(data, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_a_zip_name_that_is_not_utf8_is_refused(tmp_path):
    data = zip_of([("ex/exercise.toml", TOML), ("ex/naXve.py", b"x")])
    data = data.replace(b"naXve", b"na\xefve")        # a Latin-1 name: not UTF-8
    with pytest.raises(ArchiveError, match="not UTF-8"):
        unpack(data, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("data, why", [
    (b"PK\x03\x04" + b"\0" * 5000, "archive is"),      # over the archive size limit
    (BIG, "unpacks to more than"),                    # zip bomb: unpacked size
    (BOMB, "more than 4 files"),                      # zip bomb: file count
])
def test_limits_on_archive_size_unpacked_size_and_file_count(tmp_path, data, why):
    with pytest.raises(ArchiveError, match=why):
        unpack(data, tmp_path / "dest", SMALL)
    assert not (tmp_path / "dest").exists()


def test_a_zip_that_lies_about_its_sizes_is_stopped(tmp_path):
    data = bytearray(zip_of([("ex/exercise.toml", TOML), ("ex/zeros.bin", b"\0" * 900)]))
    # the central directory says 9 bytes; the stream holds 900
    data = bytes(data).replace((900).to_bytes(4, "little"), (9).to_bytes(4, "little"))
    with pytest.raises(ArchiveError):
        unpack(data, tmp_path / "dest", SMALL)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("pack", [lambda f: zip_folder(f), lambda f: zip_folder(f, top=None),
                                  tar_folder], ids=["zip", "zip-no-top-folder", "tar.gz"])
def test_a_good_archive_unpacks_the_exercise_folder(tmp_path, pack):
    folder = exercise_copy(tmp_path / "zg")
    dest = unpack(pack(folder), tmp_path / "dest")
    assert (dest / "exercise.toml").read_bytes() == (folder / "exercise.toml").read_bytes()
    assert (dest / "graders" / "test_zero_grad.py").is_file()


def test_the_api_refuses_a_bad_archive_with_422_and_writes_nothing(app, dbs, instance):
    token = gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))
    before = dbs.scalar(select(func.count()).select_from(ExerciseVersion))
    snapshots = sorted(p for p in (instance / "exercises").rglob("*"))
    r = app.test_client().post(f"/api/v1/courses/{COURSE}/exercises",
                               headers={"Authorization": f"Bearer {token}"},
                               data={"archive": (io.BytesIO(zip_link()), "ex.zip")})
    assert r.status_code == 422, r.json
    assert "symbolic link" in r.json["error"] and r.json["report"]["status"] == "refused"
    assert dbs.scalar(select(func.count()).select_from(ExerciseVersion)) == before
    assert sorted(p for p in (instance / "exercises").rglob("*") if ".staging" not in p.parts) == \
        [p for p in snapshots if ".staging" not in p.parts]


def test_an_invalid_exercise_toml_is_refused_naming_the_file_and_key(app, dbs, tmp_path):
    token = gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))
    folder = exercise_copy(tmp_path / "zg")
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = -3"))
    r = app.test_client().post(f"/api/v1/courses/{COURSE}/exercises",
                               headers={"Authorization": f"Bearer {token}"},
                               data={"archive": (io.BytesIO(zip_folder(folder)), "ex.zip")})
    assert r.status_code == 422
    assert "exercise.toml, key 'points': must be positive" in r.json["error"]
    assert str(tmp_path) not in r.get_data(as_text=True)


def test_an_upload_over_the_archive_limit_gets_413_saying_so(app, dbs):
    token = gen_token(dbs, gen_user(dbs, "teacher@example.org", "instructor"))
    big = b"PK\x03\x04" + b"\0" * (ArchiveLimits().archive_bytes + (100 << 10))
    r = app.test_client().post(f"/api/v1/courses/{COURSE}/exercises",
                               headers={"Authorization": f"Bearer {token}"},
                               data={"archive": (io.BytesIO(big), "ex.zip")})
    assert r.status_code == 413 and "exercise archive" in r.json["error"]


def test_an_archive_larger_than_other_forms_reaches_the_check(app, dbs):
    """Other requests stop at 512 KB; an archive of 1 MB is read (and refused for its content)."""
    gen_user(dbs, "teacher@example.org", "instructor")
    token = gen_token(dbs, dbs.scalar(select(User).where(User.email == "teacher@example.org")))
    data = zip_of([("ex/data/noise.bin", os.urandom(1 << 20)), ("ex/README.md", b"hi")])
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    client = app.test_client()
    r = client.post(f"/api/v1/courses/{COURSE}/exercises", headers={"Authorization": f"Bearer {token}"},
                    data={"archive": (io.BytesIO(data), "ex.zip")})
    assert r.status_code == 422 and "no exercise.toml" in r.json["error"]
    login(client, "teacher@example.org")
    r = client.post(f"/teach/c/{COURSE}/exercises", content_type="multipart/form-data",
                    data={"archive": (io.BytesIO(data), "ex.zip"), "csrf_token": csrf(client)})
    assert r.status_code == 422 and "no exercise.toml" in r.get_data(as_text=True)


def test_a_name_that_is_both_a_file_and_a_folder_is_refused(tmp_path):
    data = zip_of([("ex/exercise.toml", TOML), ("ex/data", b"x"), ("ex/data/y.csv", b"y")])
    with pytest.raises(ArchiveError, match="both a file and a folder"):
        unpack(data, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
