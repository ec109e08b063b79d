"""The floor of the CLI's design (issue #15): start Python, send the request, print the answer.

python bench/floor.py URL TOKEN GET /api/v1/tasks?limit=50
python bench/floor.py URL TOKEN POST /api/v1/tasks/quick '{"text": "Buy milk"}'
"""

import http.client
import json
import sys
from urllib.parse import urlsplit

url, token, method, path = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
parts = urlsplit(url)
conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
conn.request(method, path, body=body, headers=headers)
answer = json.loads(conn.getresponse().read())
print(len(answer.get("items", [answer])))
