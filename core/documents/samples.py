"""Sample contexts for core's sample document templates (tests, benchmarks, previews)."""

from __future__ import annotations

SAMPLE_TEMPLATES = {
    "receipt": ("documents/sample_receipt.html", "receipt-80mm"),
    "certificate": ("documents/sample_certificate.html", "a4-landscape"),
    "label": ("documents/sample_label.html", "label-100x150"),
    "tag": ("documents/sample_tag.html", "a4-label-sheet"),
}

CENTER = {
    "name_km": "មជ្ឈមណ្ឌលបច្ចេកវិទ្យាសហគមន៍ ខេត្តសៀមរាប",
    "name_en": "Community Technology Center — Siem Reap",
    "address": "ផ្លូវលេខ ៦ ភូមិវត្តបូព៌ សង្កាត់សាលាកំរើក ក្រុងសៀមរាប",
    "phone": "+855 63 963 000",
}


def receipt(n: int = 1, *, items: int = 4) -> dict:
    lines = [
        {"name": "តែមប្រៃសណីយ៍ក្នុងស្រុក / Domestic stamp", "qty": 2, "unit_price": "1,000 ៛",
         "amount": "2,000 ៛"},
        {"name": "ការបោះពុម្ពពណ៌ A4 / Colour print A4", "qty": 10, "unit_price": "500 ៛",
         "amount": "5,000 ៛"},
        {"name": "អ៊ីនធឺណិត ១ ម៉ោង / Internet 1 hour", "qty": 1, "unit_price": "2,000 ៛",
         "amount": "2,000 ៛"},
        {"name": "ស្រោមសំបុត្រ / Envelope C5", "qty": 3, "unit_price": "300 ៛",
         "amount": "900 ៛"},
    ]
    return {
        "center": CENTER,
        "number": f"SR01-2025-{n:06d}",
        "issued_at": "2025-03-14 10:42",
        "cashier": "សុខ ចាន់ណា",
        "items": (lines * (items // len(lines) + 1))[:items],
        "total": "9,900 ៛",
        "paid": "10,000 ៛",
        "change": "100 ៛",
        "rate": "1 USD = 4,100 ៛",
        "verify_url": f"https://erp.ctc.gov.kh/r/SR01-2025-{n:06d}",
    }


#: The context keys a cohort's certificates share: ``render_batch(...,
#: background_key=CERTIFICATE_SHARED)`` lays their background out once.
CERTIFICATE_SHARED = ("center", "course", "trainer", "issued_on", "valid_until", "signatories")


def certificate(n: int = 1) -> dict:
    return {
        "center": CENTER,
        "recipient": {"name_km": "លោកស្រី ចាន់ សុភាព", "name_en": f"Ms Chan Sopheap {n}"},
        "course": {"title_km": "មូលដ្ឋានគ្រឹះកុំព្យូទ័រ និងការិយាល័យ",
                   "title_en": "Computer and Office Basics", "hours": 40,
                   "dates": "03/03/2025 – 14/03/2025"},
        "trainer": "ហេង សុវណ្ណ",
        "issued_on": "14/03/2025",
        "valid_until": "14/03/2028",
        "number": f"CERT-SR01-2025-{n:05d}",
        "code": f"K7QM-4XTR-{n:04d}-PW9H",
        "verify_url": f"https://erp.ctc.gov.kh/v/CERT-SR01-2025-{n:05d}",
        "signatories": [{"name": "ហេង សុវណ្ណ", "title": "Trainer / គ្រូបង្គោល"},
                        {"name": "លឹម ដារ៉ា", "title": "Center manager / ប្រធានមជ្ឈមណ្ឌល"}],
    }


def label(n: int = 1) -> dict:
    return {
        "service": "EMS",
        "tracking": f"EE{n:08d}KH",
        "weight": "1.250 kg",
        "sender": {"name": "CTC Siem Reap", "address": CENTER["address"], "phone": CENTER["phone"]},
        "recipient": {"name": "លោក សុខ វិចិត្រ",
                      "address": "ផ្ទះលេខ ១២ ផ្លូវ ២៧១ សង្កាត់ទឹកល្អក់ ខណ្ឌទួលគោក រាជធានីភ្នំពេញ",
                      "phone": "+855 12 345 678"},
        "track_url": f"https://erp.ctc.gov.kh/t/EE{n:08d}KH",
    }


def tag(n: int = 1) -> dict:
    return {"center": "CTC Siem Reap", "name": f"Laptop ThinkPad E14 #{n}",
            "tag": f"SR01-A{n:05d}"}


BUILDERS = {"receipt": receipt, "certificate": certificate, "label": label, "tag": tag}
