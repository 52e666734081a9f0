"""A support-ticket sentiment lexicon and the features the Comprehend stand-in scores.

The words are grouped by what they signal in a support ticket rather than by general polarity:
delight and praise, mild approval, politeness, anger and business impact, technical trouble, hedging
(the "a bit puzzling", "minor issue" register that Comprehend tends to call MIXED), contrast, and
technical detail (error codes, ids, `Label: value` lines) that pulls a plain report toward NEUTRAL.

Negation flips a following sentiment word within a short window ("not performing as expected" is
trouble; "no downtime" is not); an intensifier ("absolutely", "completely") amplifies the next one.
Standard library only: this module ships in the fake_bedrock image, apart from the ticketflow package.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Multi-word expressions first, joined into one token so that the window logic sees them as a unit.
PHRASES: dict[str, str] = {
    "a bit": "a_bit",
    "a little": "a_bit",
    "as expected": "as_expected",
    "as anticipated": "as_expected",
    "as described": "as_expected",
    "as documented": "as_expected",
    "as intended": "as_expected",
    "thank you": "thank_you",
    "at times": "at_times",
    "from time to time": "at_times",
    "timing out": "timing_out",
    "timed out": "timing_out",
    "grinding to a halt": "halt",
    "up and running": "up_and_running",
    "no time": "no_time",
    "couldn't be happier": "couldnt_be_happier",
    "could not be happier": "couldnt_be_happier",
    "switching to a competitor": "competitor",
    "switch to a competitor": "competitor",
    "business is suffering": "suffering",
    "right away": "immediately",
    "asap": "immediately",
    "as soon as possible": "immediately",
    "not sure": "unsure",
    "any guidance": "guidance_request",
    "some guidance": "guidance_request",
    "any insights": "guidance_request",
    "any tips": "guidance_request",
    "please advise": "please_advise",
    "technical details": "technical_details",
}

POS_STRONG: dict[str, float] = {
    "thrilled": 3.0,
    "delighted": 3.0,
    "amazing": 3.0,
    "fantastic": 3.0,
    "outstanding": 3.0,
    "exceptional": 3.0,
    "wonderful": 3.0,
    "awesome": 3.0,
    "superb": 3.0,
    "brilliant": 3.0,
    "excellent": 2.5,
    "love": 2.0,
    "loving": 2.0,
    "perfectly": 2.0,
    "perfect": 2.0,
    "impressed": 2.0,
    "exceeded": 2.0,
    "invaluable": 2.0,
    "beautifully": 2.0,
    "enjoyable": 2.0,
    "great": 2.0,
    "incredible": 2.0,
    "transformed": 1.5,
    "happier": 2.0,
    "couldnt_be_happier": 3.0,
    "best": 1.5,
    "stellar": 3.0,
    "phenomenal": 3.0,
    "terrific": 3.0,
    "kudos": 2.0,
}
POS_MILD: dict[str, float] = {
    "pleased": 1.5,
    "glad": 1.5,
    "happy": 1.5,
    "satisfied": 1.5,
    "good": 1.0,
    "nice": 1.0,
    "reliable": 1.0,
    "robust": 1.0,
    "valuable": 1.0,
    "efficient": 1.0,
    "efficiently": 1.0,
    "smoothly": 1.0,
    "smooth": 0.7,
    "seamless": 1.5,
    "seamlessly": 1.5,
    "helpful": 1.5,
    "effective": 1.0,
    "intuitive": 1.0,
    "easy": 1.0,
    "solid": 1.0,
    "useful": 1.0,
    "stable": 0.7,
    "quickly": 0.5,
    "fast": 0.7,
    "improved": 1.0,
    "enhanced": 1.0,
    "insightful": 1.0,
    "benefits": 0.7,
    "well": 0.5,
    "resilient": 0.7,
    "straightforward": 1.0,
    "up_and_running": 0.7,
    "productive": 1.0,
}
POLITE: dict[str, float] = {
    "thanks": 1.0,
    "thank_you": 1.0,
    "appreciate": 1.0,
    "appreciated": 1.0,
    "grateful": 1.0,
    "please": 0.3,
    "kindly": 0.5,
    "guidance_request": 0.7,
}
NEG_STRONG: dict[str, float] = {
    "unacceptable": 3.0,
    "outrageous": 3.0,
    "worst": 3.0,
    "terrible": 3.0,
    "horrible": 3.0,
    "awful": 3.0,
    "disaster": 3.0,
    "furious": 3.0,
    "useless": 3.0,
    "ridiculous": 2.5,
    "angry": 2.0,
    "frustrated": 2.0,
    "frustrating": 2.0,
    "frustration": 2.0,
    "disappointed": 2.0,
    "disappointing": 2.0,
    "unreliable": 2.0,
    "demand": 1.5,
    "losses": 2.0,
    "lost": 1.5,
    "losing": 1.5,
    "suffering": 2.0,
    "suffer": 2.0,
    "cancel": 1.5,
    "canceling": 1.5,
    "cancelling": 1.5,
    "competitor": 1.5,
    "outage": 2.0,
    "outages": 2.0,
    "downtime": 1.5,
    "compensation": 1.5,
    "damage": 2.0,
    "halt": 1.5,
    "severely": 1.5,
    "immediately": 1.0,
    "urgent": 1.0,
    "urgently": 1.0,
    "breach": 2.0,
    "compromised": 2.0,
    "unusable": 2.5,
    "fed": 0.5,
    "nightmare": 3.0,
}
NEG_MILD: dict[str, float] = {
    "issue": 0.7,
    "issues": 0.7,
    "problem": 1.0,
    "problems": 1.0,
    "error": 0.8,
    "errors": 0.8,
    "fail": 1.0,
    "fails": 1.0,
    "failed": 1.2,
    "failing": 1.2,
    "failure": 1.2,
    "failures": 1.2,
    "timeout": 0.6,
    "timeouts": 0.6,
    "timing_out": 0.6,
    "throttling": 0.6,
    "throttled": 0.6,
    "latency": 0.3,
    "delay": 0.7,
    "delays": 0.7,
    "delayed": 0.7,
    "unexpected": 0.8,
    "unexpectedly": 0.8,
    "disruption": 1.5,
    "disruptions": 1.5,
    "disrupted": 1.5,
    "broken": 1.5,
    "crash": 1.5,
    "crashes": 1.5,
    "crashing": 1.5,
    "inconsistent": 0.8,
    "inconsistency": 0.8,
    "inconsistencies": 0.8,
    "incorrect": 1.0,
    "wrong": 1.0,
    "slow": 1.0,
    "degraded": 1.0,
    "puzzling": 1.0,
    "confusing": 1.0,
    "confused": 1.0,
    "concern": 0.7,
    "concerned": 0.7,
    "stuck": 1.0,
    "impacting": 0.8,
    "impacted": 0.8,
    "denied": 1.0,
    "drops": 0.7,
    "spikes": 0.5,
    "terminated": 0.5,
    "unsure": 0.5,
    "struggling": 1.2,
    "worse": 1.2,
    "bug": 1.0,
    "blocked": 1.2,
    "blocking": 1.2,
    "hampered": 1.5,
    "persists": 0.7,
    "persistent": 0.7,
}
# Inability: the customer cannot do the thing at all (stronger than a symptom such as latency).
BLOCKED: dict[str, float] = {"unable": 2.0, "cannot": 1.5, "able": 1.5, "prevented": 1.5, "prevents": 1.5}
# After an inability word these make it puzzlement ("can't identify what is wrong"), not a blockage.
PUZZLED_OBJECTS = frozenset({"identify", "pinpoint", "seem", "figure", "determine", "find", "tell", "see"})
# Words that read as approval but, negated, say something did not meet expectations.
EXPECTATION: dict[str, float] = {
    "as_expected": 1.2,
    "working": 1.0,
    "performing": 1.0,
    "matching": 0.8,
    "meeting": 0.8,
    "resolving": 0.8,
    "propagating": 0.8,
    "delivering": 1.0,
    "delivered": 1.0,
    "identify": 0.6,
    "pinpoint": 0.6,
    "utilized": 0.6,
    "apply": 0.6,
}
HEDGE: dict[str, float] = {
    "a_bit": 1.0,
    "minor": 1.0,
    "slight": 1.0,
    "slightly": 1.0,
    "small": 0.7,
    "occasional": 0.7,
    "occasionally": 0.7,
    "some": 0.3,
    "seems": 0.7,
    "seem": 0.7,
    "might": 0.5,
    "wondering": 1.0,
    "hoping": 1.0,
    "hoped": 1.0,
    "generally": 1.0,
    "overall": 0.5,
    "somewhat": 1.0,
    "quite": 0.3,
    "at_times": 0.7,
    "perhaps": 0.7,
    "maybe": 0.7,
    "tweak": 0.7,
    "oversight": 0.7,
    "mostly": 0.7,
}
CONTRAST: dict[str, float] = {
    "however": 1.0,
    "but": 1.0,
    "although": 1.0,
    "though": 1.0,
    "while": 0.5,
    "despite": 1.0,
    "yet": 0.5,
    "unfortunately": 1.0,
}
NEGATORS = frozenset({"not", "no", "never", "without", "zero", "nor", "cannot", "none", "nothing"})
INTENSIFIERS: dict[str, float] = {
    "absolutely": 1.5,
    "completely": 1.5,
    "incredibly": 1.4,
    "truly": 1.3,
    "so": 1.2,
    "very": 1.3,
    "extremely": 1.5,
    "really": 1.2,
    "totally": 1.5,
    "highly": 1.2,
    "significantly": 1.3,
    "severely": 1.3,
    "constantly": 1.3,
    "repeatedly": 1.3,
    "utterly": 1.5,
}
NEGATION_WINDOW = 3
_CONTRACTIONS = {"can't": "cannot", "won't": "not", "shan't": "not"}

_TOKEN = re.compile(r"[a-z_]+(?:'[a-z]+)?|\d[\w.:-]*|!")
_DETAIL_LINE = re.compile(r"^\s*(?:[-*•]\s*)?[A-Z][\w /()-]{1,40}:\s*\S", re.MULTILINE)
_IDENTIFIER = re.compile(
    r"\b[a-z]+-[a-z0-9]*\d[a-z0-9-]*\b|\b[A-Z][a-z]+[A-Z]\w*(?:Exception|Error)\b|'[^']{8,}'"
)

FEATURE_NAMES = (
    "pos_strong",
    "pos_mild",
    "polite",
    "neg_strong",
    "neg_mild",
    "blocked",
    "hedge",
    "contrast",
    "technical",
    "both",
    "exclaim",
    "length",
)


@dataclass(frozen=True)
class Evidence:
    """Raw lexicon mass per category, before the log squashing the scorer sees."""

    pos_strong: float = 0.0
    pos_mild: float = 0.0
    polite: float = 0.0
    neg_strong: float = 0.0
    neg_mild: float = 0.0
    blocked: float = 0.0
    hedge: float = 0.0
    contrast: float = 0.0
    technical: float = 0.0
    exclaim: float = 0.0
    words: int = 0

    def features(self) -> tuple[float, ...]:
        positive = self.pos_strong + self.pos_mild
        negative = self.neg_strong + self.neg_mild + self.blocked
        return (
            math.log1p(self.pos_strong),
            math.log1p(self.pos_mild),
            math.log1p(self.polite),
            math.log1p(self.neg_strong),
            math.log1p(self.neg_mild),
            math.log1p(self.blocked),
            math.log1p(self.hedge),
            math.log1p(self.contrast),
            math.log1p(self.technical),
            math.log1p(min(positive, negative)),
            math.log1p(self.exclaim),
            math.log(max(self.words, 5) / 80.0),
        )


# One pass for every phrase, longest first so "couldn't be happier" wins over shorter overlaps.
_PHRASE = re.compile(
    r"(?<![a-z'])(?:" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")(?![a-z])"
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with the multi-word expressions joined and "n't" split off as "not"."""
    lowered = " " + re.sub(r"\s+", " ", text.lower().replace("\u2019", "'")) + " "
    lowered = _PHRASE.sub(lambda match: f" {PHRASES[match.group(0)]} ", lowered)
    words: list[str] = []
    for word in _TOKEN.findall(lowered):
        if word in _CONTRACTIONS:
            words.append(_CONTRACTIONS[word])
        elif word.endswith("n't"):
            words.extend((word[:-3], "not"))
        else:
            words.append(word.split("'")[0])
    return words


def _technical_mass(text: str) -> float:
    details = len(_DETAIL_LINE.findall(text))
    identifiers = len(_IDENTIFIER.findall(text))
    return details + 0.5 * identifiers


# Sentiment-bearing words: category, weight, and whether negation turns them into trouble.
_POLAR: dict[str, tuple[str, float, bool]] = {
    **{word: ("neg_mild", weight, False) for word, weight in NEG_MILD.items()},
    **{word: ("neg_strong", weight, False) for word, weight in NEG_STRONG.items()},
    **{word: ("pos_mild", weight, True) for word, weight in POS_MILD.items()},
    **{word: ("pos_strong", weight, True) for word, weight in POS_STRONG.items()},
}
_SIDE_CHANNELS = ((POLITE, "polite"), (HEDGE, "hedge"), (CONTRAST, "contrast"))
_NEGATION_PROOF = frozenset({"couldnt_be_happier"})


class _Scan:
    """One left-to-right pass over the tokens with a negation window and a one-word intensifier."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.totals = dict.fromkeys(
            ("pos_strong", "pos_mild", "polite", "neg_strong", "neg_mild", "blocked", "hedge", "contrast"),
            0.0,
        )
        self.negated_until = -1
        self.boost = 1.0

    def run(self) -> dict[str, float]:
        for index, word in enumerate(self.words):
            if word in NEGATORS:
                self.negated_until = index + NEGATION_WINDOW
                if word == "cannot":
                    self._inability(index)
                continue
            if word in INTENSIFIERS:
                self.boost = INTENSIFIERS[word]
                self.totals["neg_strong"] += NEG_STRONG.get(word, 0.0)
                continue
            self._polarity(index, word, negated=index <= self.negated_until)
            for lexicon, key in _SIDE_CHANNELS:
                self.totals[key] += lexicon.get(word, 0.0)
            self.boost = 1.0
        return self.totals

    def _polarity(self, index: int, word: str, *, negated: bool) -> None:
        if word in _POLAR:
            category, weight, positive = _POLAR[word]
            if not negated or word in _NEGATION_PROOF:
                self.totals[category] += weight * self.boost
            elif positive:  # "not good" is trouble; "no downtime" is simply absent trouble
                self.totals["neg_mild"] += 0.8 * weight * self.boost
        elif word in BLOCKED and (word != "able" or negated):
            self._inability(index)
        elif word in EXPECTATION and negated:  # "not performing as expected"
            self.totals["neg_mild"] += EXPECTATION[word]

    def _inability(self, index: int) -> None:
        """'unable to connect' is a blockage; 'can't identify what is wrong' is puzzlement."""
        following = self.words[index + 1 : index + 3]
        key = "neg_mild" if PUZZLED_OBJECTS.intersection(following) else "blocked"
        self.totals[key] += BLOCKED[self.words[index]]


def extract(text: str) -> Evidence:
    """Sum the lexicon over the text, applying negation and intensifier windows."""
    words = tokenize(text)
    return Evidence(
        technical=_technical_mass(text),
        exclaim=float(words.count("!")),
        words=len(words) - words.count("!"),
        **_Scan(words).run(),
    )
