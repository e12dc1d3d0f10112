"""Answers held to technical passages, with passages taken from the held-out sets of
bench/quality.py (GNU manuals and guidelines): a contradicted number is caught, a
compressed restatement is kept, and each decision says why. Fast checks on hand-made
groundings; bench/quality.py measures the same over whole sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from hushdesk.assistant.evidence import content_words
from hushdesk.assistant.grounding import settle
from hushdesk.library.search import FileNames
from hushdesk.library.store import FileRecord
from tests.groundings import grounding_of

GZIP_LEVEL = (
    "'-N' Regulate the speed of compression using the specified digit N, where '-1' or "
    "'--fast' indicates the fastest compression method (less compression) and '--best' or "
    "'-9' indicates the slowest compression method (optimal compression). The default "
    "compression level is '-6' (that is, biased towards high compression at expense of speed)."
)
PROOFREADERS = (
    "But be careful when you use the list, because there are over 200 people on it. If you "
    "simply ask everyone on the list to read your work, there will probably be tremendous "
    "duplication of effort by the proofreaders, and you will probably get the same errors "
    "reported 100 times."
)
GREP_CASE = (
    "'-i' '-y' '--ignore-case' Ignore case distinctions in patterns and input data, so that "
    "characters that differ only in case match each other."
)


def test_a_count_the_passage_gives_as_200_is_not_two() -> None:
    grounding = grounding_of(GZIP_LEVEL, PROOFREADERS)
    question = "How many people will get my request if I post to the proofreaders list?"
    wrong = settle("There are two people on the proofreaders list [2].", grounding, question)
    assert wrong.abstained
    (check,) = wrong.checks
    assert check.verdict == "not backed"
    assert check.why == "2: in no passage"
    right = settle("Over 200 people are on the list [1].", grounding, question)
    assert right.text == "Over 200 people are on the list [2]."
    assert right.checks[0].quote.startswith("But be careful when you use the list")


def test_a_wrong_default_level_is_caught_and_the_right_one_kept() -> None:
    grounding = grounding_of(GZIP_LEVEL, PROOFREADERS)
    question = "What compression level does gzip use by default?"
    assert settle("gzip uses level 9 by default [1].", grounding, question).abstained
    right = settle("By default gzip compresses at level six [1].", grounding, question)
    assert right.text == "By default gzip compresses at level six [1]."
    assert (right.checks[0].verdict, right.checks[0].source) == ("backed", 1)


def test_a_compressed_restatement_of_an_option_is_backed() -> None:
    grounding = grounding_of(GZIP_LEVEL, GREP_CASE)
    question = "In grep, what does the -i option do?"
    settled = settle("The -i option makes grep ignore case [1].", grounding, question)
    assert settled.text == "The -i option makes grep ignore case [2]."
    (check,) = settled.checks
    assert (check.verdict, check.source) == ("backed", 2)
    assert check.why.endswith("of its words in one sentence")


def test_a_lower_case_word_names_the_one_file_whose_passages_hold_it() -> None:
    def record(n: int, path: str, title: str) -> FileRecord:
        return FileRecord(n, 1, path, None, "done", None, "pdf", title, 3, True, [])

    files = [
        record(1, "/m/GNU-grep.pdf", "GNU Grep manual"),
        record(2, "/m/GNU-sed.pdf", "GNU sed, a stream editor"),
        record(3, "/m/Termination letter.pdf", "Termination letter"),
    ]
    holders = {"sed": {2: 40, 1: 3}, "grep": {1: 50, 2: 20}, "termination": {1: 2, 2: 2, 3: 2}}

    def owned(word: str, ids: frozenset[int]) -> bool:
        counts = holders.get(word, {})
        return sum(counts.get(i, 0) for i in ids) >= 0.8 * sum(counts.values())

    names = FileNames.of(files)
    assert names.named("What does the -n option do in sed?", owned) == {2}
    assert names.named("what does it say about termination?", owned) == set()
    assert names.named("Does grep or sed have an if/then?", owned) == {2}  # grep: not grep's
    assert names.named("What does the -n option do in sed?") == set()  # lower case alone


GREP_BINARY = (
    "'-s' '--no-messages' Suppress error messages about nonexistent or unreadable files. "
    "'--binary-files=TYPE' If a file's data or metadata indicate that the file contains "
    "binary data, assume that the file is of type TYPE. By default, TYPE is 'binary', and "
    "grep suppresses output after null input binary data is discovered."
)


def test_what_one_option_does_said_of_another_is_no_support() -> None:
    grounding = grounding_of(GREP_CASE, GREP_BINARY)
    question = "What does the -c option do in grep?"
    wrong = settle(
        "The -c option suppresses output after null input binary data is discovered [2].",
        grounding,
        question,
    )
    assert wrong.abstained
    assert wrong.checks[0].why == "[2] says it of other than -c"
    right = settle(
        "The -s option suppresses error messages about unreadable files [2].", grounding, question
    )
    assert right.text == "The -s option suppresses error messages about unreadable files [2]."


def test_a_sentence_that_only_says_where_something_is_outlined_states_nothing() -> None:
    grounding = grounding_of(
        "TERMS AND CONDITIONS. The precise terms and conditions for copying, distribution "
        "and modification follow."
    )
    question = "To which email address should violations of the GPL be reported?"
    answer = (
        "To which email address should violations of the GPL be reported? The precise terms "
        "and conditions for reporting such violations are outlined in [1]."
    )
    assert settle(answer, grounding, question).abstained


STEPPING_DOWN = (  # maintain.info, as the PDF prints it
    "4 Stepping Down\n***************\n\nWith good fortune, you will continue maintaining "
    "your package for many decades. But sometimes for various reasons maintainers decide to "
    "step down.\n\nIf you're the official maintainer of a GNU package and you decide to step "
    "down, please inform the GNU Project (<maintainers@gnu.org>)."
)
BUG_ADDRESS = (
    "Once a program is in use, you will get bug reports for it. Most GNU programs have "
    "their own special lists for sending bug reports. The advertised bug-reporting email "
    "address should always be 'bug-PACKAGE@gnu.org', to help show users that the program "
    "is a GNU package, but it is ok to set up that list to forward to another site if you "
    "prefer."
)


def test_a_number_counting_something_else_backs_no_count() -> None:
    grounding = grounding_of(STEPPING_DOWN, BUG_ADDRESS)
    question = "How many weeks of notice should a maintainer give before stepping down?"
    invented = settle(
        "4 weeks of notice should be given before stepping down.", grounding, question
    )
    assert invented.abstained
    (check,) = invented.checks
    assert (check.verdict, check.why) == ("not backed", "4 weeks: no passage counts it")


def test_an_address_answered_alone_is_backed_where_it_stands_with_the_question() -> None:
    grounding = grounding_of(STEPPING_DOWN, BUG_ADDRESS)
    question = "What bug-reporting email address should a GNU package advertise?"
    settled = settle("bug-PACKAGE@gnu.org [1]", grounding, question)
    assert settled.text == "bug-PACKAGE@gnu.org [2]"
    assert settled.checks[0].why == "bug-PACKAGE@gnu.org beside the question's words"
    other = settle("bug-grep@gnu.org", grounding, question)
    assert other.abstained  # an address no passage writes


GREP_RECURSIVE = (  # grep.info
    "'-r'\n'--recursive'\n     For each directory operand, read and process all files in "
    "that\n     directory, recursively.  Follow symbolic links on the command line,\n     but "
    "skip symlinks that are encountered recursively."
)


def test_what_an_option_stands_for_is_backed_by_what_it_does() -> None:
    grounding = grounding_of(GREP_RECURSIVE, BUG_ADDRESS)
    question = "In grep, what does the -r option mean?"
    settled = settle("The -r option stands for recursive.", grounding, question)
    assert settled.text == "The -r option stands for recursive [1]."
    assert not settle("The -r option stands for regular.", grounding, question).supported


LINE_LENGTH = (  # standards.info, 5.1 Formatting Your Source Code
    "Please keep the length of source lines to 79 characters or less, for maximum "
    "readability in the widest range of environments."
)


def words_meaning(texts: Sequence[str]) -> np.ndarray:
    """A stand-in for the embedder: texts as unit vectors of their words (cosine = the
    words they share); the bench measures the real one."""
    vocabulary = sorted(set().union(*(content_words(t) for t in texts)))
    vectors = np.array([[w in content_words(t) for w in vocabulary] for t in texts], float)
    unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit


def test_a_sentence_with_the_answers_words_about_something_else_backs_nothing() -> None:
    grounding = replace(grounding_of(LINE_LENGTH, BUG_ADDRESS), meaning=words_meaning)
    question = "What is the maximum number of lines a single C function should have?"
    invented = settle(
        "The maximum number of lines a C function should have is 79 characters or less.",
        grounding,
        question,
    )
    assert invented.abstained
    assert invented.checks[0].why == "[1] has its words, not about the question"
    asked = "How long may source lines be?"
    kept = settle("Source lines should be 79 characters or less.", grounding, asked)
    assert kept.text == "Source lines should be 79 characters or less [1]."


TINY_CHANGE = (
    "When you record a small patch in a change log file, first search for previous changes "
    "by the same person, and see if per past contributions, plus the new one, add up to "
    "something legally significant. If so, you should get copyright papers for all per "
    "changes before you install the new change. If that is not so, you can install the "
    "small patch. Write '(tiny change)' after the patch author's name, like this: "
    "2002-11-04 Robert Fenk <Robert.Fenk@gmx.de> (tiny change)"
)


def test_an_example_line_and_the_sentence_after_it_are_judged_apart() -> None:
    """The 1.5B model's answer (bench/sets/guidelines.toml): an example on a line of its
    own, then a sentence of its own. Run together, the passage's "you should get
    copyright papers" refuted the whole; apart, the example is backed."""
    grounding = grounding_of(GZIP_LEVEL, TINY_CHANGE)
    question = (
        "What marker do I put after the author's name in a change log entry for a small "
        "patch that is not legally significant?"
    )
    answer = (
        "You should put '(tiny change)' after the patch author's name, like this:\n"
        "2002-11-04 Robert Fenk <Robert.Fenk@gmx.de> (tiny change)\n"
        "This marker indicates that the change is not legally significant and does not "
        "require copyright papers."
    )
    settled = settle(answer, grounding, question)
    assert not settled.abstained
    first, second = settled.checks
    assert first.sentence.endswith("(tiny change)")
    assert (first.verdict, first.source) == ("backed", 2)
    assert second.sentence.startswith("This marker indicates")


MPL_STEWARD = (
    "courts of a jurisdiction where the defendant maintains its principal place of business "
    "and such litigation shall be governed by laws of that jurisdiction, without reference "
    "to its conflict-of-law provisions. Nothing in this Section shall prevent a party's "
    "ability to bring cross-claims or counter-claims. 10. Versions of the License "
    "10.1. New Versions Mozilla Foundation is the license steward. Except as provided in "
    "Section 10.3, no one other than the license steward has the right to modify or "
    "publish new versions of this License."
)


def test_a_refusal_quotes_the_sentence_about_the_question_not_the_passage_start() -> None:
    """The starter's wrong answer on the MPL (tests/integration/test_answer_quality.py):
    refused, and the quote begins where the passage speaks of the steward."""
    grounding = grounding_of(MPL_STEWARD)
    question = "Under the MPL, who is the license steward?"
    wrong = "The license steward is the person that grants the MPL-2.0.5 to You."
    settled = settle(wrong, grounding, question)
    assert settled.abstained
    quote = settled.text.split("> ", 1)[1]
    assert quote.startswith("…")
    assert "Mozilla Foundation is the license steward" in quote
    assert "courts of a jurisdiction" not in quote


CONDITIONAL_CHANGES = (
    "Many changes are conditional as well: sometimes you add a new variable, or function, "
    "or even a new program or library, which is entirely dependent on a build-time "
    "condition. It is useful to indicate in the change log the conditions for which a "
    "change applies. Our convention for indicating conditional changes is to use _square "
    "brackets around the name of the condition_."
)


def test_an_example_the_question_gives_need_not_stand_beside_the_rule() -> None:
    """Both Qwen models' right answer (bench/sets/guidelines.toml): the question names
    HAVE_X_WINDOWS as an example; the passage states the rule without it."""
    grounding = grounding_of(GZIP_LEVEL, CONDITIONAL_CHANGES)
    question = (
        "In a change log entry, how should I mark a change that only applies when a "
        "build-time condition such as HAVE_X_WINDOWS is defined?"
    )
    answer = (
        "You should mark a change that only applies when a build-time condition such as "
        "HAVE_X_WINDOWS is defined by using square brackets around the name of the condition."
    )
    settled = settle(answer, grounding, question)
    assert (settled.checks[0].verdict, settled.checks[0].source) == ("backed", 2)
    # The option a question asks about is still held to the passage that names it.
    asked = "In grep, what does the -i option do?"
    assert settle("The -i option compresses at level six.", grounding, asked).abstained


MMC_RELICENSING = (  # the GFDL 1.3, section 11 (bench/sets/licences.toml)
    'An MMC is "eligible for relicensing" if it is licensed under this License, and if all '
    "works that were first published under this License somewhere other than this MMC, and "
    "subsequently incorporated in whole or in part into the MMC, (1) had no cover texts or "
    "invariant sections, and (2) were thus incorporated prior to November 1, 2008. The "
    "operator of an MMC Site may republish an MMC contained in the site under CC-BY-SA on "
    "the same site at any time before August 1, 2009, provided the MMC is eligible for "
    "relicensing."
)


def test_a_date_the_passage_gives_for_something_else_is_caught() -> None:
    """The 1.5B model's answer (bench/sets/licences.toml) took the other date of the
    passage: both stand in it, but the sentence on republishing under CC-BY-SA gives
    August 1, 2009."""
    grounding = grounding_of(GZIP_LEVEL, MMC_RELICENSING)
    question = (
        "Under the GFDL, until what date could an MMC site relicense its material under CC-BY-SA?"
    )
    wrong = "An MMC site could relicense its material under CC-BY-SA until November 1, 2008 [2]."
    settled = settle(wrong, grounding, question)
    assert settled.abstained
    assert settled.checks[0].why == "[2] gives 2009-08-01 for it"
    right = "An MMC site could relicense its material under CC-BY-SA until August 1, 2009 [2]."
    assert settle(right, grounding, question).checks[0].verdict == "backed"
    # A count beside another count of the same thing in its own sentence still stands.
    asked = "How many proofreaders are on the list?"
    kept = settle("There are over 200 people on the list [1].", grounding_of(PROOFREADERS), asked)
    assert kept.checks[0].verdict == "backed"
