"""`python -m tests.wechat_emulator --port 9100 --app APPID:SECRET`: the emulator on its own,
for benchmarks and manual runs against gunicorn."""
import argparse
import time

from tests.wechat_emulator.server import Emulator


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--app", action="append", default=[], help="APPID:SECRET, repeatable")
    args = parser.parse_args()
    emulator = Emulator(port=args.port).start()
    for pair in args.app:
        appid, _, secret = pair.partition(":")
        emulator.register_app(appid, secret)
    print("WeChat emulator on %s" % emulator.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
