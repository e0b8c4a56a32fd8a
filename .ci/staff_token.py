"""Prints an access token for a staff account of a running Handoff, completing the second
factor as a person would: the first login enrols (the TOTP secret comes from the enrolment, as
a phone would scan it), and codes come from pyotp. Usage: staff_token.py URL EMAIL PASSWORD"""
import json
import sys
import urllib.request

import pyotp


def post(url, body):
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


base, email, password = sys.argv[1:4]
asked = post(f"{base}/api/v1/auth/login", {"email": email, "password": password})
if asked.get("mfa_required"):
    if not asked.get("mfa_enrolment_required"):
        sys.exit("this account is enrolled already; its secret is not known here")
    enrolment = post(f"{base}/api/v1/auth/mfa/enrolment", {"challenge": asked["challenge"]})
    code = pyotp.TOTP(enrolment["secret"]).now()
    asked = post(f"{base}/api/v1/auth/mfa", {"challenge": asked["challenge"], "code": code})
print(asked["access_token"])
