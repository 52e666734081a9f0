"""The local console in a real browser (headless Chromium through Playwright), against the deployed stack:
the page loads and follows the stack live, a submitted ticket appears without a reload and its trace opens,
a dead letter is replayed from the page, faults are set and cleared, hostile tickets are shown inertly, and
requests without the token or under a foreign Host are refused. Screenshots of each page go to
<home>/reports/console/.
"""

from __future__ import annotations

import http.client
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import fresh_ticket_id, fresh_tickets, put_raw, put_unclean_item
from tests.event_files import load_hostile_tickets
from tests.terminal import HIDDEN
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow_dev.console.server import ConsoleServer, open_console
from ticketflow_dev.core.safe_text import visible
from ticketflow_dev.tickets import producer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TICKET_TIMEOUT_MS = 90_000
PAGE_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def console(deployed_stack: DeployedStack, local_stack: LocalStack) -> Iterator[ConsoleServer]:
    """The console on a free port of 127.0.0.1, served from a thread, closed after the module."""
    server = open_console(local_stack.settings, deployed_stack.clients, deployed_stack.outputs, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: `make install-browser` installs Debian's (root), or add one")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="module")
def screenshots(local_stack: LocalStack) -> Path:
    folder = local_stack.settings.reports_dir / "console"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"console screenshots: {folder}")  # noqa: T201 - where the artifacts are
    return folder


def _open_dashboard(page: Page, console: ConsoleServer) -> float:
    """Opens the URL the CLI prints; returns the seconds until the first snapshot was drawn."""
    started = time.perf_counter()
    page.goto(console.url)
    expect(page.locator("#live")).to_have_text("live")
    expect(page.locator('[data-stage="state_machine"] .steps li').first).to_be_visible()
    return time.perf_counter() - started


def test_a_submitted_ticket_appears_live_and_its_trace_opens(
    page: Page, console: ConsoleServer, deployed_stack: DeployedStack, screenshots: Path
) -> None:
    # GIVEN the dashboard, opened from the printed URL (the token then lives in a cookie, not the URL)
    load_seconds = _open_dashboard(page, console)
    assert "token=" not in page.url
    page.evaluate("window.notReloaded = true")

    # WHEN a ticket is put on the stream
    [ticket] = fresh_tickets(1, seed=1601)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [ticket])

    # THEN it shows up in the recent tickets and reaches RESPONDED, without the page reloading
    row = page.locator(f'tr[data-ticket="{ticket.ticket_id}"]')
    expect(row.locator(".badge")).to_have_text("RESPONDED", timeout=TICKET_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    round_cost = page.locator("#cost").inner_text()
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)
    print(f"dashboard drawn {load_seconds:.2f} s after opening; {round_cost}")  # noqa: T201 - measured

    # WHEN its link is followed
    row.locator("a").click()

    # THEN its page shows the journey (the put, the execution and its steps, the archive object), the
    # reply quoting the ticket id, its scores and its history
    expect(page.locator("#ticket-id")).to_have_text(ticket.ticket_id)
    for span in ("PutRecord", "execution", "DetectSentiment", "GenerateResponse", "archive object"):
        expect(page.locator(f'.span-row[data-span="{span}"]')).to_be_visible()
    expect(page.locator("#reply")).to_contain_text(ticket.ticket_id)
    expect(page.locator("#scores .score")).to_have_count(4)
    expect(page.locator("#history tr")).to_have_count(3)
    page.screenshot(path=screenshots / "ticket.png", full_page=True)


def test_a_dead_letter_is_replayed_from_the_page(
    page: Page, console: ConsoleServer, deployed_stack: DeployedStack, screenshots: Path
) -> None:
    # GIVEN a valid ticket's record in the dead-letter queue, as the trigger sends one it could not hand on
    [ticket] = fresh_tickets(1, seed=1602)
    letter = DeadLetter.of(
        ticket.ticket_id, "49590000000000000000", producer.encode(ticket), "ClientError: test"
    )
    records = S3Records(deployed_stack.clients("s3"), deployed_stack.outputs.bucket_name)
    DeadLetterQueue(
        deployed_stack.clients("sqs"), deployed_stack.outputs.dead_letter_queue_url, records
    ).send(letter)
    _open_dashboard(page, console)
    letter_row = page.locator("#dead-letters tr", has_text=ticket.ticket_id)
    expect(letter_row).to_be_visible(timeout=TICKET_TIMEOUT_MS)
    page.locator("#dead-letters-panel").screenshot(path=screenshots / "dead_letters.png")

    # WHEN its Replay button is pressed
    letter_row.get_by_role("button", name="Replay").click()

    # THEN the page says it was replayed, the letter leaves the list, and the ticket goes through
    expect(page.locator("#replay-result")).to_contain_text("replayed 1, skipped 0, failed 0")
    expect(letter_row).to_have_count(0, timeout=TICKET_TIMEOUT_MS)
    row = page.locator(f'tr[data-ticket="{ticket.ticket_id}"]')
    expect(row.locator(".badge")).to_have_text("RESPONDED", timeout=TICKET_TIMEOUT_MS)
    assert (
        deployed_stack.tracker().wait_for([ticket.ticket_id], timeout=30)[ticket.ticket_id].status
        == "RESPONDED"
    )


def test_faults_are_set_and_cleared_from_the_page(
    page: Page, console: ConsoleServer, fake_bedrock: str, screenshots: Path
) -> None:
    # GIVEN the dashboard and no faults
    _open_dashboard(page, console)
    expect(page.locator("#no-faults")).to_be_visible()

    # WHEN a rule for converse is set through the form
    form = page.locator("#faults-form")
    form.locator('select[name="operation"]').select_option("converse")
    form.locator('input[name="error_rate"]').fill("0.25")
    form.locator('input[name="latency_ms"]').fill("100")
    page.locator("#faults-set").click()

    # THEN the page shows the rule fake_bedrock now holds
    rule = page.locator('tr[data-fault="converse"]')
    expect(rule).to_contain_text("0.25")
    page.locator("#faults-panel").screenshot(path=screenshots / "faults.png")

    # WHEN every fault is cleared, THEN none is shown
    page.locator("#faults-clear").click()
    expect(page.locator("#no-faults")).to_be_visible()


# What a page may show of stored text only as text, never as elements.
MARKUP_ELEMENTS = "img, script:not([src]), b, i, a[href^='https://evil']"
# Every attribute value and the title, where text also ends up (tooltips, the window's title).
ATTRIBUTE_TEXT = """() => [document.title, ...[...document.querySelectorAll('*')].flatMap(
  (element) => [...element.attributes].map((attribute) => attribute.value))].join('\\n')"""


def _shows_inertly(page: Page, where: str) -> None:
    """No markup from the data became an element, no script of it ran, and no hidden character is in the
    page's text, its attributes or its title."""
    assert page.locator(MARKUP_ELEMENTS).count() == 0, where
    assert page.evaluate("window.owned") is None, where
    for text in (page.locator("body").inner_text(), page.evaluate(ATTRIBUTE_TEXT)):
        assert HIDDEN.findall(text) == [], where


def _words(text: str) -> list[str]:
    """The words a reader sees of stored `text`: hidden characters by their code."""
    return visible(text).split()


def test_hostile_tickets_are_shown_inertly(
    page: Page, console: ConsoleServer, deployed_stack: DeployedStack, screenshots: Path
) -> None:
    # GIVEN every hostile case put on the stream as sent (its text in every field) and answered, and an item
    # stored before intake cleaned text (its reason, history and product the raw text of every case)
    cases = load_hostile_tickets(fresh_ticket_id)
    put_raw(deployed_stack, [case.event for case in cases])
    unclean_id, unclean_text = fresh_ticket_id(), " ".join(case.text for case in cases)
    put_unclean_item(deployed_stack, unclean_id, unclean_text)
    states = deployed_stack.tracker().wait_for(
        [case.ticket_id for case in cases], timeout=TICKET_TIMEOUT_MS / 1000
    )
    assert {state.status for state in states.values()} == {"RESPONDED"}

    # WHEN the dashboard lists them
    _open_dashboard(page, console)
    unclean_row = page.locator(f'tr[data-ticket="{unclean_id}"]')
    expect(unclean_row).to_be_visible(timeout=TICKET_TIMEOUT_MS)
    for case in cases:
        expect(page.locator(f'tr[data-ticket="{case.ticket_id}"] .badge')).to_have_text("RESPONDED")

    # THEN they are shown as text: markup as written, hidden characters by their code
    _shows_inertly(page, "dashboard")
    for word in _words(unclean_text):
        assert word in unclean_row.inner_text(), word
    page.locator("#recent").screenshot(path=screenshots / "hostile_recent.png")

    # WHEN each ticket's page is opened, THEN its triage, reply, reason and history are shown the same way
    for case in cases:
        _open_ticket(page, console, case.ticket_id)
        expect(page.locator("#reply")).to_contain_text(case.ticket_id)
        _shows_inertly(page, case.file)
        shown = page.locator("main").inner_text()
        for dotted in ("data.subject", "data.product_issue_information.product"):
            missing = [word for word in _words(case.cleaned[dotted]) if word not in shown]
            assert not missing, (case.file, dotted, missing)
        if "[bold red]" in case.text:
            page.screenshot(path=screenshots / "hostile_ticket.png", full_page=True)
    _open_ticket(page, console, unclean_id)
    expect(page.locator("#reason")).not_to_be_empty()
    _shows_inertly(page, "the unclean item")
    for word in _words(unclean_text):
        assert word in page.locator("#reason").inner_text(), word


def _open_ticket(page: Page, console: ConsoleServer, ticket_id: str) -> None:
    page.goto(f"http://127.0.0.1:{console.port}/tickets/{ticket_id}")
    expect(page.locator("#history tr").first).to_be_visible()


def _request(console: ConsoleServer, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", console.port, timeout=10)
    try:
        connection.request(method, path, body=b"{}" if method == "POST" else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_requests_without_the_token_or_under_a_foreign_host_are_refused(
    page: Page, console: ConsoleServer, screenshots: Path
) -> None:
    # GIVEN the console's own host and its token
    token = console.app.guard.token
    own_host = f"127.0.0.1:{console.port}"
    json_post = {"Host": own_host, "Content-Type": "application/json"}

    # WHEN the browser opens the page without the token, THEN it is refused with the reason
    response = page.goto(f"http://{own_host}/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("no valid token")
    page.screenshot(path=screenshots / "refused.png")

    # WHEN requests come with a foreign Host (DNS rebinding), a token only in a cookie or the URL for a
    # change, or a change by GET, THEN each is refused with 403 or 405 and says why
    cookie = f"{console.app.guard.cookie_name}={token}"
    cases = [
        ("GET", f"/?token={token}", {"Host": f"rebound.example:{console.port}"}, 403, "DNS rebinding"),
        ("GET", "/api/snapshot", {"Host": own_host}, 403, "no valid token"),
        ("POST", "/api/faults/clear", json_post | {"Cookie": cookie}, 403, "x-ticketflow-token header"),
        ("POST", f"/api/faults/clear?token={token}", json_post, 403, "x-ticketflow-token header"),
        ("POST", "/api/faults/clear", json_post | {"X-Ticketflow-Token": token, "Origin": "http://evil.example"},
         403, "Origin"),
        ("GET", "/api/dead-letters/replay", {"Host": own_host, "X-Ticketflow-Token": token},
         405, "only POST"),
    ]  # fmt: skip
    for method, path, headers, status, reason in cases:
        answered = _request(console, method, path, headers)
        assert answered[0] == status, (method, path, headers, answered)
        assert reason in answered[1], (method, path, answered)

    # WHEN the same change comes with the token in its header from the console's own origin, THEN it goes on
    allowed = json_post | {"X-Ticketflow-Token": token, "Origin": f"http://{own_host}"}
    assert _request(console, "POST", "/api/snapshot", allowed)[0] == 405
    assert (
        _request(console, "GET", "/api/snapshot", {"Host": own_host, "X-Ticketflow-Token": token})[0] == 200
    )
