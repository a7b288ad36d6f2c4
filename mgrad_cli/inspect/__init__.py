"""Looking inside a computation: the expression language (expr.py), the graph as the
lecture draws it (view.py), Graphviz output (dot.py), the explorable HTML page (page.py),
backpropagation spelled out (explain.py), gradient checks (gradcheck.py), backpropagation
as a quiz and its grading (quiz.py) and the lecture's exercises (exercises.py)."""
