"""What an answer's ``confidence`` means: the chance a response like it is right, through one
increasing curve fitted on the pool's train split (``assistant eval --fit-confidence``)."""

from __future__ import annotations

import math

from assistant.eval.fit import confidence_figures, fit_calibration
from assistant.eval.score import new_row
from assistant.learn.relevance import Relevance


def _rows(spec: list[tuple[float, bool, bool]]):
    """(raw confidence, right, refused) per response."""
    rows = []
    for i, (confidence, right, refused) in enumerate(spec):
        item = {"id": f"q{i}", "type": "pool", "lang": "en", "answerable": True, "question": f"question {i}"}
        rows.append(new_row(item, "train", confidence=confidence, correct=right, refused=refused, refusal_leads=refused))
    return rows


def test_without_a_fitted_curve_the_confidence_is_the_raw_probability():
    assert Relevance().calibrated(0.83) == 0.83


def test_the_fitted_curve_says_how_often_responses_of_that_raw_probability_were_right(tmp_path):
    # answers the judge is 90% sure of were right half the time, those at 60% a quarter of the time
    spec = [(0.9, i % 2 == 0, False) for i in range(40)] + [(0.6, i % 4 == 0, False) for i in range(40)]
    relevance = Relevance(calibration=fit_calibration(_rows(spec)))
    assert abs(relevance.calibrated(0.9) - 0.5) < 0.08
    assert abs(relevance.calibrated(0.6) - 0.25) < 0.08
    # the same order as before: a response more likely right by the judge stays more confident
    assert relevance.calibrated(0.95) > relevance.calibrated(0.9) > relevance.calibrated(0.6) > relevance.calibrated(0.3)
    path = tmp_path / "relevance.json"
    relevance.save(path)
    assert abs(Relevance.load(path).calibrated(0.6) - relevance.calibrated(0.6)) < 1e-3  # four decimals kept


def test_the_curve_keeps_how_well_confidence_separates_and_closes_the_calibration_gap():
    spec = [(0.9, i % 2 == 0, False) for i in range(40)] + [(0.6, i % 4 == 0, False) for i in range(40)] + \
           [(0.8, i % 3 != 0, True) for i in range(30)]
    rows = _rows(spec)
    figures = confidence_figures(Relevance(calibration=fit_calibration(rows)), rows)
    assert figures["calibrated"]["auroc"] == figures["raw"]["auroc"]
    assert figures["raw"]["calibration_error"] > 0.3 and figures["calibrated"]["calibration_error"] < 0.1


def test_no_curve_is_fitted_when_every_response_was_right():
    assert fit_calibration(_rows([(0.7, True, False), (0.9, True, True)])) is None


def test_fitting_confidence_on_the_sealed_split_is_refused(tmp_path, capsys):
    from assistant.app.cli import main

    code = main(["--data-dir", str(tmp_path / "data"), "eval", "--set", "sealed", "--fit-confidence",
                 str(tmp_path / "relevance.json")])
    assert code == 1
    assert "never fitted on the sealed split" in capsys.readouterr().err
    assert not (tmp_path / "relevance.json").exists()


def test_an_answers_confidence_goes_through_the_curve(assistant):
    question = "速卖通半托管的零售价由谁来定？"
    relevance = assistant.relevance
    kept = relevance.calibration
    try:
        relevance.calibration = None
        raw = assistant.ask(question).confidence
        relevance.calibration = (-0.5, 0.5)
        told = assistant.ask(question).confidence
    finally:
        relevance.calibration = kept
    assert 0.0 < raw < 1.0
    assert abs(told - 1 / (1 + math.exp(0.5 - 0.5 * math.log(raw / (1 - raw))))) < 0.01
