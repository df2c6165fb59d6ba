"""The action menu rendered once per distinct menu: the same HTML as Django's Select."""

from __future__ import annotations

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils import translation

from core.admin import RememberedActionForm, RememberedSelect

MODERATOR = [("", "---------"), ("approve", "Approve <selected>"), ("flag", 'Flag "these"')]
EDITOR = [("", "---------"), ("export", "Export")]


def _menu(form_class: type[forms.Form], choices: list, data: dict | None = None) -> str:
    form = form_class(data, auto_id=None)
    form.fields["action"].choices = choices
    return str(form["action"])


def test_the_menu_is_django_s_select_for_each_set_of_choices_and_value() -> None:
    RememberedSelect._rendered.clear()
    for choices in (MODERATOR, EDITOR, MODERATOR):
        assert _menu(RememberedActionForm, choices) == _menu(ActionForm, choices)
    assert _menu(RememberedActionForm, MODERATOR, {"action": "flag"}) == _menu(ActionForm, MODERATOR, {"action": "flag"})
    assert 'value="flag" selected' in _menu(RememberedActionForm, MODERATOR, {"action": "flag"})
    assert "Approve &lt;selected&gt;" in _menu(RememberedActionForm, MODERATOR)
    # One rendering per distinct menu: moderator's, editor's, moderator's with "flag" chosen.
    assert len(RememberedSelect._rendered) == 3


def test_the_remembered_menus_are_bounded_and_follow_the_language(monkeypatch) -> None:
    RememberedSelect._rendered.clear()
    monkeypatch.setattr(RememberedSelect, "MAX_REMEMBERED", 4)
    for n in range(10):
        _menu(RememberedActionForm, [("", "---------"), (f"action_{n}", f"Action {n}")])
        assert len(RememberedSelect._rendered) <= 4
    RememberedSelect._rendered.clear()
    _menu(RememberedActionForm, EDITOR)
    with translation.override("fr"):
        _menu(RememberedActionForm, EDITOR)
    # A page in another language is not served the menu rendered for the first.
    assert sorted(key[5] for key in RememberedSelect._rendered) == ["en-us", "fr"]
