#!/usr/bin/env python3
"""A tiny client of the restic-manager REST API for install_test.sh.

  api.py login BASE CAFILE PASSWORD       prints an API token (admin login, then POST /tokens)
  api.py call BASE CAFILE TOKEN METHOD PATH [JSON]   prints the JSON answer; exit 1 on HTTP >= 400
  api.py get JSON KEY[.KEY...]            prints one field of a JSON document (read from argv)

CAFILE is the server's self-signed certificate (its own CA); only 127.0.0.1 is ever contacted.
"""
import http.cookiejar
import json
import ssl
import sys
import urllib.error
import urllib.request


def opener(cafile, jar=None):
    context = ssl.create_default_context(cafile=cafile)
    handlers = [urllib.request.HTTPSHandler(context=context)]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def request(open_, method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with open_.open(req, timeout=30) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        sys.stderr.write(f"{method} {url} -> {error.code} {error.read().decode()}\n")
        sys.exit(1)
    return json.loads(text) if text else None


def main(argv):
    if argv[0] == "login":
        base, cafile, password = argv[1:4]
        open_ = opener(cafile, http.cookiejar.CookieJar())
        session = request(open_, "POST", base + "/api/v1/auth/login", {"username": "admin", "password": password})
        token = request(open_, "POST", base + "/api/v1/tokens", {"name": "package-test"},
                        {"X-CSRF-Token": session["csrf_token"]})
        print(token["token"])
    elif argv[0] == "call":
        base, cafile, token, method, path = argv[1:6]
        body = json.loads(argv[6]) if len(argv) > 6 else None
        answer = request(opener(cafile), method, base + "/api/v1" + path, body, {"Authorization": "Bearer " + token})
        print(json.dumps(answer))
    elif argv[0] == "get":
        value = json.loads(argv[1])
        for key in argv[2].split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        print(value if isinstance(value, str) else json.dumps(value))
    else:
        sys.exit("usage: see the file comment")


if __name__ == "__main__":
    main(sys.argv[1:])
