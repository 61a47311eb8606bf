"""core.files.delete_after_commit: a file goes only once the transaction that stops
referring to it has committed."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from core import files
from core.extensions import db
from core.tenancy import Center


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def stored(tmp_path):
    root = tmp_path / "uploads"
    root.mkdir()
    path = root / "a.pdf"
    path.write_bytes(b"%PDF")
    return root, path


def rename_center(code: str, new_name: str) -> None:
    db.session.execute(sa.update(Center).where(Center.code == code).values(name_en=new_name))


def test_the_file_is_deleted_after_the_commit_not_before(ctx, factory, stored):
    root, path = stored
    factory.center("FL-01")
    rename_center("FL-01", "Renamed")
    files.delete_after_commit(db.session, path, root=root)
    db.session.flush()
    assert path.exists()
    db.session.commit()
    assert not path.exists()
    assert files.pending(db.session) == []
    # Once: the next transaction has nothing left to delete.
    path.write_bytes(b"again")
    rename_center("FL-01", "Again")
    db.session.commit()
    assert path.exists()


def test_the_file_stays_after_a_rollback(ctx, factory, stored):
    root, path = stored
    factory.center("FL-02")
    rename_center("FL-02", "Renamed")
    files.delete_after_commit(db.session, path, root=root)
    db.session.rollback()
    assert path.exists()
    db.session.commit()  # a later commit does not pick it up either
    assert path.exists()
    assert db.session.execute(sa.select(Center.name_en).where(
        Center.code == "FL-02")).scalar_one() == "Center FL-02"


def test_the_file_stays_when_the_commit_fails(ctx, factory, stored):
    root, path = stored
    factory.center("FL-03")
    files.delete_after_commit(db.session, path, root=root)
    db.session.add(Center(code="FL-03", name_en="Twin", name_km="Twin", province_code="12"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    assert path.exists()
    db.session.rollback()
    db.session.commit()
    assert path.exists()


def test_the_file_stays_when_the_failed_session_is_only_closed(ctx, factory, stored):
    root, path = stored
    factory.center("FL-04")
    files.delete_after_commit(db.session, path, root=root)
    db.session.add(Center(code="FL-04", name_en="Twin", name_km="Twin", province_code="12"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.close()
    rename_center("FL-04", "Renamed")
    db.session.commit()
    assert path.exists()


def test_a_rolled_back_savepoint_keeps_its_files_a_released_one_waits_for_the_commit(
        ctx, factory, tmp_path):
    factory.center("FL-05")
    kept, gone = tmp_path / "kept.txt", tmp_path / "gone.txt"
    kept.write_text("k")
    gone.write_text("g")
    rename_center("FL-05", "Renamed")
    savepoint = db.session.begin_nested()
    files.delete_after_commit(db.session, kept, root=tmp_path)
    savepoint.rollback()
    with db.session.begin_nested():
        files.delete_after_commit(db.session, gone, root=tmp_path)
    assert gone.exists()  # the savepoint was released, the transaction is still open
    db.session.commit()
    assert kept.exists() and not gone.exists()


def test_a_missing_file_is_fine_and_a_failed_deletion_is_logged(ctx, factory, tmp_path,
                                                                caplog):
    factory.center("FL-06")
    folder = tmp_path / "a-folder"  # unlink() of a folder fails
    folder.mkdir()
    files.delete_after_commit(db.session, tmp_path / "never-there.txt", root=tmp_path)
    files.delete_after_commit(db.session, folder, root=tmp_path)
    rename_center("FL-06", "Renamed")
    with caplog.at_level(logging.ERROR, logger="core.files"):
        db.session.commit()
    assert folder.is_dir()
    assert any(str(folder) in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("where", ["../outside.txt", "sub/../../outside.txt", ".", "",
                                   "/etc/passwd"])
def test_a_path_outside_the_storage_folder_is_refused(ctx, tmp_path, where):
    root = tmp_path / "uploads"
    root.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    with pytest.raises(ValueError):
        files.delete_after_commit(db.session, root / where if where else root, root=root)
    db.session.commit()
    assert outside.exists() and root.is_dir()
    assert files.pending(db.session) == []


def test_a_symlinked_folder_leading_out_is_refused(ctx, tmp_path):
    root, elsewhere = tmp_path / "uploads", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("keep")
    (root / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError):
        files.delete_after_commit(db.session, root / "link" / "x.txt", root=root)


def test_the_filesystem_root_is_no_storage_folder(ctx):
    with pytest.raises(ValueError):
        files.delete_after_commit(db.session, "/tmp/x", root="/")


# -- remove_on_rollback: a file written for rows that never land goes again ------------------


def test_a_written_file_stays_once_its_rows_commit(ctx, factory, stored):
    root, path = stored
    factory.center("FW-01")
    rename_center("FW-01", "Renamed")
    files.remove_on_rollback(db.session, path, root=root)
    db.session.commit()
    rename_center("FW-01", "Again")
    db.session.rollback()  # a later transaction's rollback does not touch it
    assert path.exists()


def test_a_written_file_goes_when_its_transaction_rolls_back(ctx, factory, stored):
    root, path = stored
    factory.center("FW-02")
    rename_center("FW-02", "Renamed")
    files.remove_on_rollback(db.session, path, root=root)
    db.session.rollback()
    assert not path.exists()


def test_a_written_file_goes_when_the_commit_fails(ctx, factory, stored):
    root, path = stored
    factory.center("FW-03")
    files.remove_on_rollback(db.session, path, root=root)
    db.session.add(Center(code="FW-03", name_en="Twin", name_km="Twin", province_code="12"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.close()
    assert not path.exists()


def test_a_written_file_goes_with_its_savepoint_only(ctx, factory, tmp_path):
    factory.center("FW-04")
    outer, inner = tmp_path / "outer.txt", tmp_path / "inner.txt"
    outer.write_text("o")
    inner.write_text("i")
    rename_center("FW-04", "Renamed")
    files.remove_on_rollback(db.session, outer, root=tmp_path)
    savepoint = db.session.begin_nested()
    files.remove_on_rollback(db.session, inner, root=tmp_path)
    savepoint.rollback()
    assert outer.exists() and not inner.exists()
    db.session.commit()
    assert outer.exists()
