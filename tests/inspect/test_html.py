"""The explorable HTML graph, in a real browser: headless Chromium driven by selenium.

One browser for the module (starting it takes about a second); each test loads a page
that `mgrad graph -o PAGE.html` (or `train --graph`) wrote, presses keys, and reads
what the page shows. Skipped outside CI without chromium, chromium-driver and
selenium; in CI they must be there (.ci/run installs them).
"""

import re

import pytest

from conftest import headless_chromium

LECTURE = ["e = a*b; d = e + c; L = d * f", "a=2", "b=-3", "c=10", "f=-2"]
NEURON = ["n = x1*w1 + x2*w2 + b; o = tanh(n)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


@pytest.fixture(scope="module")
def browser():
    with headless_chromium("1280,720") as chrome:
        yield chrome


class Page:
    """A loaded page: press(key, n), and what it shows."""

    def __init__(self, browser, path):
        from selenium.webdriver.common.by import By

        self.browser, self.by = browser, By
        browser.get(path.as_uri())
        self.body = browser.find_element(By.TAG_NAME, "body")

    def press(self, key, times=1):
        from selenium.webdriver.common.keys import Keys

        for _ in range(times):
            self.body.send_keys(getattr(Keys, key))

    def click(self, button_id):
        self.browser.find_element(self.by.ID, button_id).click()

    def text(self, element_id):
        return self.browser.find_element(self.by.ID, element_id).text

    def record(self, node_id):
        """The texts of a node's record in the SVG, and its classes."""
        return tuple(self.browser.execute_script("""
            for (const g of document.querySelectorAll('#graph g.node')) {
              if (g.querySelector('title').textContent === arguments[0]) {
                return [Array.from(g.querySelectorAll('text'), t => t.textContent), g.getAttribute('class')];
              }
            }""", node_id))


def draw(run, tmp_path, *args):
    path = tmp_path / "graph.html"
    result = run("graph", *args, "-o", path)
    assert result.exit_code == 0, result.output
    return path


def test_a_self_contained_file(run, dot, tmp_path):
    text = draw(run, tmp_path, *LECTURE).read_text()
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text
    # nothing to fetch: no src or href at all, no stylesheet or script from elsewhere
    assert not re.search(r"\b(src|href)\s*=", text, re.I)
    assert "@import" not in text and "url(" not in text


def test_stepping_forward_then_backward_with_the_arrow_keys(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, *LECTURE))
    assert page.text("counter") == "step 0 of 11"
    assert page.record("n2") == (["e", "data ?", "grad 0.0000"], "node future")
    page.press("ARROW_RIGHT")
    assert page.text("phase") == "Forward pass: op 1 of 3"
    assert page.text("text") == "e = a * b = 2.0000 * (-3.0000) = -6.0000"
    assert page.record("n2") == (["e", "data -6.0000", "grad 0.0000"], "node current")
    assert page.record("n4")[0][1] == "data ?"  # d is not computed yet
    page.press("ARROW_RIGHT", 3)
    assert page.text("phase") == "Backward pass: start"
    assert page.record("n6") == (["L", "data -8.0000", "grad 1.0000"], "node current")
    page.press("ARROW_RIGHT", 3)
    assert page.text("phase") == "Backward pass: step 3 of 6"
    assert page.text("text") == "e.grad += ∂d/∂e × d.grad"
    assert page.text("row").splitlines() == [
        "node input local derivative upstream product input grad",
        "d = e + c e ∂d/∂e = 1 -2.0000 -2.0000 -2.0000"]
    assert page.record("n2") == (["e", "data -6.0000", "grad -2.0000"], "node target")
    assert page.record("n0")[0] == ["a", "data 2.0000", "grad 0.0000"]  # not reached yet
    page.browser.save_screenshot(str(tmp_path / "backward.png"))
    page.press("ARROW_LEFT", 4)  # and back into the forward pass: the gradients are 0 again
    assert page.text("phase") == "Forward pass: op 3 of 3"
    assert page.record("n2")[0] == ["e", "data -6.0000", "grad 0.0000"]
    page.press("END")
    assert page.text("counter") == "step 11 of 11"
    assert page.record("n0")[0] == ["a", "data 2.0000", "grad 6.0000"]
    assert (tmp_path / "backward.png").stat().st_size > 10_000


def test_a_node_used_twice_adds_its_contributions(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, "b = a + a", "a=3"))
    page.click("last")
    page.click("prev")
    assert page.text("text") == "a.grad += ∂b/∂a × b.grad (a is used more than once: its contributions add up)"
    assert page.text("row").splitlines()[1] == "b = a + a a ∂b/∂a = 1 1.0000 1.0000 1.0000 + 1.0000 = 2.0000"
    assert page.record("n0")[0] == ["a", "data 3.0000", "grad 2.0000"]
    page.click("prev")
    assert page.record("n0")[0] == ["a", "data 3.0000", "grad 1.0000"]
    page.click("first")
    assert page.text("counter") == "step 0 of 5"
    assert browser.execute_script("return document.getElementById('prev').disabled") is True


def test_no_network_request_and_no_error(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, "y = x**2", "x=-3"))
    page.press("ARROW_RIGHT", 2)
    assert page.text("text") == "y.grad = 1: ∂y/∂y, where backpropagation starts. Every other grad starts at 0."
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_tensor_graph_from_train(run, repo, dot, browser, tmp_path):
    path = tmp_path / "run.html"
    config = f"{repo}/configs/xor.yaml"
    assert run("train", config, "--epochs", "1", "-q", "--engine", "tensor", "--graph", path).exit_code == 0
    page = Page(browser, path)
    page.press("ARROW_RIGHT")
    assert page.text("text") == "t3 = X @ W1: 80×8, data ‖15.1224‖"  # an array's shape and norm, not its numbers
    page.press("END")
    assert page.text("phase") == "Backward pass done"
    assert page.record("n2")[0] == ["W1", "2×8", "data ‖1.6535‖", "grad ‖0.1748‖"]  # norms, once complete
    assert page.record("n1")[0] == ["X", "80×2", "data ‖12.9594‖", "no grad"]  # data: no gradient at all
    page.press("HOME")
    assert page.record("n2")[0][-1] == "grad …"


def test_without_gradients_the_page_steps_forward_only(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, "y = x*x", "x=3", "--no-grad"))
    assert page.text("counter") == "step 0 of 1"
    page.press("ARROW_RIGHT", 3)
    assert page.text("text") == "y = x * x = 3.0000 * 3.0000 = 9.0000"
    assert page.record("n1")[0] == ["y", "data 9.0000"]


def practice(page):
    """Turn the practice mode on: -> {node name: its answer box}."""
    page.click("practice")
    boxes = page.browser.find_elements(page.by.CSS_SELECTOR, "#graph input.answer")
    return {box.get_attribute("aria-label").rsplit(" ", 1)[-1]: box for box in boxes}


def answer(box, text):
    from selenium.webdriver.common.keys import Keys

    box.send_keys(text, Keys.ENTER)
    return box.get_attribute("class")


def test_practice_hides_the_gradients_and_marks_each_answer(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, *LECTURE))
    boxes = practice(page)
    assert sorted(boxes) == ["a", "b", "c", "d", "e", "f"]  # as `backprop --quiz` asks: not L, whose grad is 1
    assert page.text("phase") == "Practice: right 0 of 6"
    assert page.record("n6")[0] == ["L", "data -8.0000", "grad 1.0000"]
    assert page.record("n0")[0] == ["a", "data 2.0000", ""]  # its gradient hidden, under the box
    assert not [t for n in range(7) for t in page.record(f"n{n}")[0] if t.startswith("grad") and t != "grad 1.0000"]
    page.press("ARROW_RIGHT")
    assert page.text("counter") == "practice"  # the arrows do not step while practising
    assert answer(boxes["d"], "-2") == "answer right"
    assert page.text("phase") == "Practice: right 1 of 6"
    assert page.text("text") == "right: ∂L/∂d = -2"
    assert page.text("row").splitlines()[1] == "L = d * f d ∂L/∂d = f = -2.0000 1.0000 -2.0000 -2.0000"
    assert answer(boxes["a"], "-6") == "answer wrong"
    assert page.text("text") == "wrong: -6 is not ∂L/∂a; try again, or type ? to see it"
    assert page.text("row") == ""  # a wrong answer keeps the step hidden: try again
    boxes["a"].clear()
    assert answer(boxes["a"], "6.0000001") == "answer right"
    assert answer(boxes["b"], "minus four") == "answer invalid"
    boxes["b"].clear()
    assert answer(boxes["b"], "?") == "answer revealed"
    assert boxes["b"].get_attribute("value") == "-4"
    assert page.text("phase") == "Practice: right 2 of 6"
    page.browser.save_screenshot(str(tmp_path / "practice.png"))
    page.click("practice")  # and back to stepping, the gradients shown again
    assert page.text("counter") == "step 0 of 11"
    page.press("END")
    assert page.record("n0")[0] == ["a", "data 2.0000", "grad 6.0000"]
    assert (tmp_path / "practice.png").stat().st_size > 10_000
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_practice_on_a_node_used_twice_teaches_plus_equals(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, "b = 2*a + a", "a=3"))
    boxes = practice(page)
    assert sorted(boxes) == ["a", "t2"]  # the literal 2 is not asked
    assert page.record("n0")[0] == ["2", "data 2.0000", "grad –"]
    assert answer(boxes["a"], "2") == "answer wrong"
    assert page.text("text") == ("wrong: 2 is not ∂b/∂a; try again, or type ? to see it. a is used 2 times: 2 is "
                                 "one use's share, and a.grad adds up all of them (grad +=)")
    boxes["a"].clear()
    assert answer(boxes["a"], "3") == "answer right"
    assert len(page.text("row").splitlines()) == 3  # its two chain-rule rows


def test_the_page_grades_as_the_quiz_does(run, dot, browser, tmp_path):
    from test_quiz import GRADING_CASES

    from mgrad_cli.inspect import quiz

    Page(browser, draw(run, tmp_path, "y = x*x", "x=3"))
    cases = [[text, repr(true)] for text, true, _ in GRADING_CASES]
    cases += [[text, "1"] for text in ("", "abc", "1/2", "1,5", "0x10", "1_000", "٣", "--1", "infinite", " 1 ")]
    marks = browser.execute_script("""
        return arguments[0].map(([text, truth]) => {
          const given = mgradPractice.parse(text), expected = Number(truth.replace("inf", "Infinity"));
          return given === null ? null : mgradPractice.grade(given, expected);
        });""", cases)
    expected = []
    for text, truth in cases:
        given = quiz.parse_answer(text)
        expected.append(None if given is None else quiz.grade(given, float(truth)))
    assert marks == expected
    assert marks[:len(GRADING_CASES)] == [right for _, _, right in GRADING_CASES]


def test_no_practice_without_gradients(run, dot, tmp_path):
    assert 'id="practice"' not in draw(run, tmp_path, "y = x*x", "x=3", "--no-grad").read_text()
    assert 'id="practice"' in draw(run, tmp_path, "y = x*x", "x=3").read_text()


NODE_TEXT_PX = """return Math.min(...Array.from(document.querySelectorAll('#graph g.node text'),
                    t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize)));"""


def test_the_graph_does_not_move_when_the_step_table_appears(run, dot, browser, tmp_path):
    page = Page(browser, draw(run, tmp_path, *LECTURE))

    def layout():
        return browser.execute_script("""return [document.getElementById('top').getBoundingClientRect().height,
            document.getElementById('graph').getBoundingClientRect().top,
            getComputedStyle(document.getElementById('row')).visibility];""")

    header, top, shown = layout()
    assert shown == "hidden" and page.text("row") == ""  # no step row yet: its place is kept
    page.press("END")
    page.press("ARROW_LEFT")
    assert page.text("row").splitlines()[0] == "node input local derivative upstream product input grad"
    assert layout() == [header, top, "visible"]
    page.press("HOME")
    assert layout() == [header, top, "hidden"]


def test_box_titles_are_in_the_nodes_sans_serif_font(run, repo, dot, browser, tmp_path):
    path = tmp_path / "run.html"
    assert run("train", f"{repo}/configs/tiny.yaml", "--epochs", "1", "-q", "--graph", path).exit_code == 0
    Page(browser, path)
    fonts = browser.execute_script("""const family = s => Array.from(document.querySelectorAll(s),
        t => getComputedStyle(t).fontFamily);
        return [family('#graph g.cluster text'), family('#graph g.node text')];""")
    titles, nodes = fonts
    assert len(titles) == 9 and set(titles) == set(nodes) and "serif" not in nodes[0].replace("sans-serif", "")


@pytest.mark.parametrize("args, fitted", [(LECTURE, True), (NEURON, False)])
def test_node_text_is_at_least_11_px_fitted_to_the_window_or_not(run, dot, browser, tmp_path, args, fitted):
    """Fitting shrinks a graph only down to 11 px text; a wider one scrolls. By default a
    graph is fitted when it fits whole so (the lecture's at 1280 px), else at full size."""
    page = Page(browser, draw(run, tmp_path, *args))
    assert browser.execute_script("return document.getElementById('fit').checked") is fitted
    for _ in range(2):  # as opened, then with `fit to window` toggled
        assert browser.execute_script(NODE_TEXT_PX) >= 11
        page.click("fit")
    if not fitted:
        page.click("fit")  # fitted by hand
    assert browser.execute_script("return document.getElementById('fit').checked") is True
    assert 11 <= browser.execute_script(NODE_TEXT_PX) < 11.01 + 3 * fitted  # the neuron's is shrunk to 11 px
    scrolls = browser.execute_script("const g = document.getElementById('graph'); return g.scrollWidth > g.clientWidth")
    assert scrolls is not fitted  # the neuron's graph is wider than the window even so: it scrolls
