"""One JSON form field family: the question form and the certification and
learning-path forms treat typed and stored JSON the same way.

Each case runs on a list-of-texts column and, where the rule concerns JSON
objects, on a free-form object column of each form: the same input gets the
same sentence, on the field it concerns, and an untouched value is no change.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from interview.forms import QuestionForm
from interview.models import Question
from learning.forms import CertificationForm, LearningPathForm
from learning.models import Certification, LearningPath
from tests.support.content_factories import (
    make_certification,
    make_learning_path,
    make_question,
    set_raw_column,
)
from tests.support.question_admin import insert_question

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def _question() -> Question:
    if Question.objects.filter(pk="q-1").exists():
        return Question.objects.get(pk="q-1")
    insert_question("q-1", tags='["python","closures"]', relevance_details='{"clarity":8,"depth":7}')
    return Question.objects.get(pk="q-1")


def _certification() -> Certification:
    if not Certification.objects.filter(pk="cert-1").exists():
        make_certification()
    return Certification.objects.get(pk="cert-1")


def _learning_path() -> LearningPath:
    if LearningPath.objects.filter(pk="path-1").exists():
        return LearningPath.objects.get(pk="path-1")
    make_question("q-1")
    make_learning_path(question_ids=["q-1"], metadata={"level": 1, "notes": "x"})
    return LearningPath.objects.get(pk="path-1")


# (form, table, row builder): every form whose JSON fields the rules cover.
FORMS = {
    "question": (QuestionForm, "questions", _question),
    "certification": (CertificationForm, "certifications", _certification),
    "learning-path": (LearningPathForm, "learning_paths", _learning_path),
}
# A list of texts and a free-form JSON object on each form.
LIST_FIELDS = [("question", "tags"), ("certification", "tags"), ("learning-path", "tags")]
OBJECT_FIELDS = [("question", "relevance_details"), ("learning-path", "metadata")]


def _reloaded(instance: Any) -> Any:
    return type(instance).objects.get(pk=instance.pk)


def _submitted(form_name: str, instance: Any, **changes: str) -> forms.ModelForm:
    """The form as the change page posts it back: every field as displayed,
    with `changes` typed over it."""
    form_class = FORMS[form_name][0]
    shown = form_class(instance=instance)
    data = {name: shown.fields[name].prepare_value(shown[name].value()) for name in shown.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    if form_class is QuestionForm:
        data["id"] = ""  # the change form's id box is for new questions
    data.update(changes)
    return form_class(data=data, instance=_reloaded(instance))


def _errors_for(form_name: str, field: str, typed: str) -> list[str]:
    instance = FORMS[form_name][2]()
    form = _submitted(form_name, instance, **{field: typed})
    assert not form.is_valid()
    assert set(form.errors) == {field}, form.errors
    return form.errors[field]


@pytest.mark.parametrize(("form_name", "field"), LIST_FIELDS)
def test_duplicate_items_are_refused_naming_the_line_they_repeat(form_name: str, field: str) -> None:
    assert _errors_for(form_name, field, "python\nreact\nPython") == [
        "Line 3: 'Python' is already listed (line 1)."
    ]
    assert _errors_for(form_name, field, '["python", "react", "react"]') == [
        "Item 3: 'react' is already listed (item 2)."
    ]


@pytest.mark.parametrize(("form_name", "field"), OBJECT_FIELDS)
def test_a_key_given_twice_in_an_object_is_refused(form_name: str, field: str) -> None:
    assert _errors_for(form_name, field, '{"clarity": 8, "clarity": 9}') == [
        "The key 'clarity' is given twice in one object."
    ]


@pytest.mark.parametrize(("form_name", "field"), LIST_FIELDS)
def test_too_long_items_are_refused_with_the_limit_and_the_length(form_name: str, field: str) -> None:
    assert _errors_for(form_name, field, "python\n" + "x" * 201) == [
        "Line 2: a tag is at most 200 characters; this one has 201."
    ]
    # The limit itself is allowed.
    form = _submitted(form_name, FORMS[form_name][2](), **{field: "python\n" + "x" * 200})
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == ["python", "x" * 200]


@pytest.mark.parametrize(
    ("form_name", "field", "stored_text", "typed"),
    [
        # Spaces inside the stored items: shown as they are, so sent back as they are.
        ("question", "tags", '[" python ","react"]', None),
        ("certification", "tags", '[" python ","react"]', None),
        ("learning-path", "tags", '[" python ","react"]', None),
        # Duplicates stored before today's rule: kept, not refused, when untouched.
        ("question", "tags", '["python","Python"]', None),
        ("certification", "tags", '["python","Python"]', None),
        # Other spacing and key order than the stored TEXT: the same data.
        ("question", "relevance_details", '{"depth": 7,   "clarity": 8}', '{"clarity": 8, "depth": 7}'),
        ("learning-path", "metadata", '{"notes": "x",   "level": 1}', '{"level": 1, "notes": "x"}'),
    ],
)
def test_an_unchanged_value_is_not_marked_changed(form_name: str, field: str, stored_text: str, typed: str | None) -> None:
    _form_class, table, make_row = FORMS[form_name]
    instance = make_row()
    set_raw_column(table, field, instance.pk, stored_text)
    stored = _reloaded(instance)
    changes = {field: typed} if typed is not None else {}
    form = _submitted(form_name, stored, **changes)
    assert form.is_valid(), form.errors
    assert field not in form.changed_data
    assert form.cleaned_data[field] is form.fields[field].stored


@pytest.mark.parametrize(("form_name", "field"), LIST_FIELDS + OBJECT_FIELDS)
def test_absurd_nesting_is_refused_with_a_message(form_name: str, field: str) -> None:
    assert _errors_for(form_name, field, DEEP) == [
        "This JSON is nested more than 20 levels deep; no field here holds values that deep."
    ]


@pytest.mark.parametrize(
    ("form_name", "field", "typed", "message"),
    [
        *[(name, field, '["python", "react"', "Expecting ',' delimiter at line 1, column 19") for name, field in LIST_FIELDS],
        *[
            (name, field, '{"clarity": 8,', "Expecting property name enclosed in double quotes at line 1, column 15")
            for name, field in OBJECT_FIELDS
        ],
    ],
)
def test_invalid_json_is_refused_with_the_place(form_name: str, field: str, typed: str, message: str) -> None:
    assert _errors_for(form_name, field, typed) == [f"This is not valid JSON: {message}."]


@pytest.mark.parametrize(
    ("form_name", "field", "typed", "message"),
    [
        ("question", "tags", '{"python": "yes"}', "This value must be a list of texts, not an object."),
        ("certification", "tags", '{"python": "yes"}', "This value must be a list of texts, not an object."),
        ("learning-path", "tags", '{"python": "yes"}', "This value must be a list of texts, not an object."),
        (
            "question",
            "relevance_details",
            "[1, 2]",
            'This value must be an object of scores and notes ({"name": number, text, true/false or null}), '
            "not a list.",
        ),
        ("learning-path", "metadata", "[1, 2]", "This value must be an object, not a list."),
        (
            "certification",
            "domains",
            '[{"id": "basics"}]',
            'This value must be a list of objects, each with a "name"; item 1 is an object, not an object with "name".',
        ),
    ],
)
def test_wrong_shape_is_refused_with_the_sentence_of_the_column(form_name: str, field: str, typed: str, message: str) -> None:
    assert _errors_for(form_name, field, typed) == [message]


@pytest.mark.parametrize(("form_name", "field"), LIST_FIELDS)
def test_a_stored_value_of_another_shape_is_shown_with_a_note_naming_the_shape(form_name: str, field: str) -> None:
    _form_class, table, make_row = FORMS[form_name]
    instance = make_row()
    set_raw_column(table, field, instance.pk, '{"python":1}')
    stored = _reloaded(instance)
    shown = FORMS[form_name][0](instance=stored)
    assert shown.fields[field].help_text.startswith(
        "The stored value does not have the shape the app reads (it must be a list of texts, not an "
        "object). It is shown as stored and kept unless you change it."
    )
    # Left alone, it is kept and the rest of the form saves.
    form = _submitted(form_name, stored)
    assert form.is_valid(), form.errors
    assert field not in form.changed_data


def test_an_emptied_required_list_says_what_to_enter() -> None:
    instance = _learning_path()
    assert _errors_for("learning-path", "question_ids", "  \n") == [
        "Enter at least one question id, one per line."
    ]
    assert _reloaded(instance).question_ids == ["q-1"]


def test_a_json_column_no_form_declares_gets_the_family_field_with_its_shape() -> None:
    """A JSON column added to a screen's fields needs no form declaration:
    the model field hands out the family's field, with the column's shape."""
    from core import shapes
    from core.forms import StoredJSONFormField, StringListField

    form_class = forms.modelform_factory(Question, fields=["tags", "relevance_details"])
    new = form_class()
    assert type(new.fields["tags"]) is StringListField
    assert type(new.fields["relevance_details"]) is StoredJSONFormField
    assert new.fields["relevance_details"].shape is shapes.SCORES_AND_NOTES

    emptied = form_class(data={"tags": "", "relevance_details": ""})
    assert emptied.is_valid(), emptied.errors
    assert emptied.cleaned_data == {"tags": None, "relevance_details": None}

    typed = form_class(data={"tags": "react\nReact", "relevance_details": "[1, 2]"})
    assert not typed.is_valid()
    assert typed.errors["tags"] == ["Line 2: 'React' is already listed (line 1)."]
    assert typed.errors["relevance_details"] == [
        "This value must be an object of scores and notes ({\"name\": number, text, true/false or null}), "
        "not a list."
    ]
