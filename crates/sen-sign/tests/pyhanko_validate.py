"""Validates every signature of a PDF with pyHanko (an independent PAdES
implementation) and prints one JSON object per signature.

Usage: python3 pyhanko_validate.py FILE.pdf ROOT.pem
Trust: ROOT.pem only; no revocation checking (the test CA publishes none).
"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

root = load_cert_from_pemder(sys.argv[2])
out = []
with open(sys.argv[1], "rb") as f:
    reader = PdfFileReader(f)
    for sig in reader.embedded_signatures:
        vc = ValidationContext(trust_roots=[root], allow_fetching=False,
                               revocation_mode="soft-fail")
        tvc = ValidationContext(trust_roots=[root], allow_fetching=False,
                                revocation_mode="soft-fail")
        try:
            st = validate_pdf_signature(sig, vc, ts_validation_context=tvc)
        except Exception as e:  # a broken signature must show as a failure
            out.append({"field": sig.field_name, "error": repr(e), "bottom_line": False,
                        "intact": False, "valid": False, "trusted": False})
            continue
        ts = st.timestamp_validity
        out.append({
            "field": sig.field_name,
            "intact": st.intact,
            "valid": st.valid,
            "trusted": st.trusted,
            "bottom_line": st.bottom_line,
            "coverage": str(st.coverage),
            "modification_level": str(st.modification_level),
            "docmdp_ok": st.docmdp_ok,
            "signer": st.signing_cert.subject.human_friendly,
            "signer_reported_dt": st.signer_reported_dt.isoformat() if st.signer_reported_dt else None,
            "timestamp": None if ts is None else {
                "intact": ts.intact, "valid": ts.valid, "trusted": ts.trusted,
                "time": ts.timestamp.isoformat(),
            },
            "summary": st.summary(),
        })
print(json.dumps(out))
