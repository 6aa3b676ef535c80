"""The staff console through Flask's test client, on the demo community."""
import re

from community.demo import DEMO_PASSWORD
from community.demo import seed_demo
from tests.support.settings import use_settings


def signed_in_console(client):
    """(sign_in, csrf): the demo community seeded, the console's cookie allowed over plain HTTP;
    sign_in(username) posts the sign-in form, csrf(path) reads a page's form token."""
    seed_demo()
    use_settings(CONSOLE_COOKIE_SECURE="0")
    client.application.config["SESSION_COOKIE_SECURE"] = False

    def sign_in(username, password=DEMO_PASSWORD):
        return client.post("/console/login", data={"username": username, "password": password,
                                                    "csrf": csrf("/console/login")})

    def csrf(path):
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return sign_in, csrf
