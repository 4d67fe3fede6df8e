"""Upload limits of the CSV import: a file above IMPORT_MAX_UPLOAD_BYTES or a binary file
(workbook, archive, image, NUL bytes) is refused with a message; files are streamed from
the uploaded temporary file, never read into memory whole."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse
from django.utils import translation

from kpis import import_jobs, importing, upsert
from kpis.models import ImportChunk, ImportJob, Ticket, TicketDailyRollup
from organisation.models import Client
from tests.helpers import with_form_token

HEADER = "external_id,client,priority,opened_at,source,escalated\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )


def _ticket_lines(count: int) -> str:
    return "".join(
        f"T-{i},C-1,low,2025-03-{1 + i % 28:02d}T10:00:00+01:00,client,false\n"
        for i in range(count)
    )


def _upload(data: bytes, name="tickets.csv") -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


class _MustNotImport:
    """Stands in for the import service where the file must be refused before it."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("the file was handed to the import")


def test_a_file_above_the_limit_is_refused_at_the_field_before_reading(
    manager_client, acme, settings, monkeypatch
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    monkeypatch.setattr(importing, "open_upload", _MustNotImport())
    monkeypatch.setattr(importing, "import_csv", _MustNotImport())
    data = (HEADER + _ticket_lines(60)).encode()
    assert len(data) > 1024
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": "tickets", "file": _upload(data)})
    )
    assert response.status_code == 200
    # The page speaks German unless the visitor switched.
    assert response.context["form"].errors["file"] == ["Die Datei ist größer als 1,0\xa0KB."]
    assert "is-invalid" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_size_check_reads_no_byte_of_the_file(settings):
    """The form judges the size the upload handler counted, not the content."""
    from kpis.forms import ImportForm

    settings.IMPORT_MAX_UPLOAD_BYTES = 10

    class Unreadable(TemporaryUploadedFile):
        def read(self, *args):
            raise AssertionError("read")

        def chunks(self, *args):
            raise AssertionError("read")

        def __iter__(self):
            raise AssertionError("read")

    upload = Unreadable("big.csv", "text/csv", 60 * 1024 * 1024, "utf-8")
    try:
        form = ImportForm({"kind": "tickets"}, {"file": upload})
        assert not form.is_valid()
        assert "file" in form.errors
    finally:
        upload.close()


def test_a_60_mb_upload_over_the_default_limit_is_refused_without_importing(
    manager_client, acme, monkeypatch, settings
):
    assert settings.IMPORT_MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    monkeypatch.setattr(importing, "open_upload", _MustNotImport())
    line = b"T-1,C-1,low,2025-03-01T10:00:00+01:00,client,false\n"
    data = HEADER.encode() + line * (60 * 1024 * 1024 // len(line) + 1)
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": "tickets", "file": _upload(data)})
    )
    del data
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Die Datei ist größer als 50,0\xa0MB."]
    assert not Ticket.objects.exists()


NEITHER = "Dies ist weder eine CSV-Textdatei noch eine Excel-Arbeitsmappe"
# (content, the start of the German message)
BINARY_FILES = {
    "xlsx": (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" * 10,
        "Die Excel-Arbeitsmappe lässt sich nicht lesen",
    ),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Dies ist eine alte Excel"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), NEITHER),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", NEITHER),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(range(200)), NEITHER),
    "nul": (
        (HEADER + "T-1,C-1,low,2025-03-01T10:00:00+01:00,client,false\x00\n").encode(),
        NEITHER,
    ),
    "utf16": ((HEADER + _ticket_lines(2)).encode("utf-16"), NEITHER),
}


@pytest.mark.parametrize("kind", sorted(BINARY_FILES))
def test_a_binary_file_is_refused_with_a_message(manager_client, acme, kind):
    content, message = BINARY_FILES[kind]
    before = (Ticket.objects.count(), TicketDailyRollup.objects.count())
    response = manager_client.post(
        reverse("kpis:import"),
        with_form_token({"kind": "tickets", "file": _upload(content, f"tickets.{kind}")}),
    )
    assert response.status_code == 200
    [error] = response.context["errors"]
    assert error.startswith(message)
    assert (Ticket.objects.count(), TicketDailyRollup.objects.count()) == before
    assert not ImportJob.objects.exists()  # refused before it was stored


def test_the_message_is_english_for_english_readers(manager_client, acme, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = manager_client.post(
        reverse("kpis:import"),
        with_form_token({"kind": "tickets", "file": _upload(BINARY_FILES["png"][0])}),
    )
    assert response.context["errors"] == [
        "This is neither a CSV text file nor an Excel workbook (.xlsx) (perhaps an archive, a "
        "PDF or an image). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)” or “Excel "
        "workbook (.xlsx)”."
    ]


class _ChunkedOnly(io.BytesIO):
    """A file that fails if anyone asks for all of it, or for more than MAX bytes at once."""

    MAX = 64 * 1024

    def __init__(self, data):
        super().__init__(data)
        self.largest = 0

    def _check(self, size):
        if size is None or size < 0 or size > self.MAX:
            raise AssertionError(f"read({size}) of a {len(self.getbuffer())}-byte file")
        self.largest = max(self.largest, size)

    def read(self, size=-1):
        self._check(size)
        return super().read(size)

    def read1(self, size=-1):
        self._check(size)
        return super().read1(size)

    def readinto(self, buffer):
        self._check(len(buffer))
        return super().readinto(buffer)

    readinto1 = readinto

    def readline(self, size=-1):
        raise AssertionError("readline on the binary file")

    def readlines(self, hint=-1):
        raise AssertionError("readlines")

    def getvalue(self):
        raise AssertionError("getvalue")


def test_the_import_streams_the_file_in_small_reads(acme, monkeypatch):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 500)
    data = (HEADER + _ticket_lines(4000)).encode()
    assert len(data) > 200 * 1024
    binary = _ChunkedOnly(data)
    result = importing.import_csv("tickets", binary)
    assert result.rows == 4000
    assert 0 < binary.largest <= _ChunkedOnly.MAX


def test_a_file_without_line_breaks_is_refused_after_the_first_10000_characters(acme):
    data = b"external_id," + b"x" * (5 * 1024 * 1024)
    binary = _ChunkedOnly(data)
    with pytest.raises(importing.ImportRejected) as exc:
        importing.import_csv("tickets", binary)
    assert exc.value.errors == ["Row 1: the header row is longer than 10000 characters."]
    assert binary.largest <= _ChunkedOnly.MAX


def test_a_large_upload_is_stored_chunk_by_chunk_from_its_file_on_disk(
    manager_client, acme, monkeypatch, settings
):
    """Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE stay on disk; the page copies them into
    the database a chunk at a time, and the task imports from there, a chunk at a time."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    monkeypatch.setattr(import_jobs, "CHUNK_BYTES", 16 * 1024)
    seen = {}
    real_open = importing.open_upload

    def spy(uploaded):
        seen["uploaded"] = uploaded
        return real_open(uploaded)

    monkeypatch.setattr(importing, "open_upload", spy)
    data = (HEADER + _ticket_lines(3000)).encode()
    assert len(data) > 2 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    # Stored for the preview: the job waits with its file.
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": "tickets", "file": _upload(data)})
    )
    assert response.status_code == 302
    assert isinstance(seen["uploaded"], TemporaryUploadedFile)
    job = ImportJob.objects.get()
    chunks = [bytes(c) for c in job.chunks.order_by("number").values_list("data", flat=True)]
    assert len(chunks) == -(-len(data) // (16 * 1024))
    assert {len(c) for c in chunks[:-1]} == {16 * 1024}
    assert b"".join(chunks) == data and job.size == len(data)
    assert import_jobs.confirm(job)
    reads = []
    real_readinto = import_jobs.StoredFile.readinto

    def counting(self, buffer):
        reads.append(len(buffer))
        return real_readinto(self, buffer)

    monkeypatch.setattr(import_jobs.StoredFile, "readinto", counting)
    assert import_jobs.run(job.pk) == "done"
    assert Ticket.objects.count() == 3000
    assert max(reads) <= import_jobs.READ_BUFFER
    assert not ImportChunk.objects.exists()  # deleted once imported
