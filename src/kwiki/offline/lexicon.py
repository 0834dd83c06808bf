"""Word lists for the extractive provider: stopwords per language, generic words, months, injection patterns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kwiki import injection


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = {
    "en": """a about above after again against all also although always am among an and any are aren't around
        as at be because been before being below between both but by can can't cannot could did didn't do does
        doesn't doing don't down during each either else even ever every few for from further had has have
        having he her here hers herself him himself his how however i if in into is isn't it it's its itself
        just let like many may me might more most much must my myself neither never no nor not now of off often
        on once one only onto or other others otherwise our ours ourselves out over own per perhaps quite rather
        same shall she should since so some still such than that that's the their theirs them themselves then
        there therefore these they this those though through thus to too toward towards under until up upon us
        very via was wasn't we were weren't what what's whatever when where whether which while who whom whose
        why will with within without would yes yet you your yours yourself yourselves""",
    "de": """aber alle allem allen aller alles als also am an auch auf aus bei beim bin bis bist da dabei damit
        dann das dass dem den denn der des die dies diese diesem diesen dieser dieses doch dort du durch ein
        eine einem einen einer eines er es etwa euch für gegen hat hatte hier ich ihm ihn ihr ihre im in ist
        ja jede jeder jedoch jetzt kann kein keine man mehr mich mit muss nach nicht noch nur ob oder ohne sehr
        sein seine sich sie sind so soll sondern über um und uns unter vom von vor war waren was weil welche
        wenn wer werden wie wieder wir wird wo wurde wurden zu zum zur zwischen""",
    "fr": """au aux avec ce ces cette comme dans de des du elle elles en est et être il ils je la le les leur
        leurs lui mais me même mes moi mon ne nous on ou où par pas pour qu que qui sa se ses son sont sur ta
        te tes toi ton tu un une vos votre vous plus""",
    "es": """al como con de del el ella ellos en entre era es esta está este esto fue ha hay la las le les lo
        los más me mi muy no nos o para pero por que se ser si sin sobre son su sus también un una uno y ya""",
    "it": """al alla anche che chi come con da dal dalla degli dei del della delle di e è gli ha i il in la le
        lo ma mi nel nella non o per più quella questo questa se si sono su sua suo tra un una uno""",
    "nl": """aan al als bij dan dat de deze die dit door een en er het hij hoe in is je maar met naar niet nog
        of om ook op over te tot uit van voor was wat werd wordt worden zal ze zich zij zijn""",
    "pt": """ao aos as com como da das de do dos e é ela ele em entre era essa esse esta está foi há isso mais
        mas na nas no nos não o os ou para pela pelo por que se sem ser seu sua são também um uma""",
}
STOPWORDS: dict[str, frozenset[str]] = {lang: word_set(words) for lang, words in _STOP.items()}
ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())

# Words frequent in every text that make poor keywords, tags or concept names.
GENERIC = word_set(
    """able actually already another anything back based become becomes best better big called can come comes
    course different done early easy end enough especially etc even example far find first following get
    gets give given goes going good got great help high important including instead keep kind know known
    large last later least less long look lot lots made main make makes making mean means much need
    needs new next nothing number old onto part people point put really right say says see seems set
    several short show shows simple small something sometimes start still take takes thing things think
    three time times today two type use used uses using usually want way ways well whole work works year
    years history experiment session group reading review guide primer introduction digest episode
    auch dabei eigentlich einfach etwa ganz gibt immer jedoch kann mal neue oft schon sowie viele
    wurde"""
)

# Words that make a poor end or part of a term: numbers, ordinals, frequent verbs.
NOT_TERMS = word_set(
    """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy
    eighty ninety hundred hundreds thousand thousands million millions billion dozen dozens third
    fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth
    sixteenth seventeenth eighteenth nineteenth twentieth century centuries decade decades came went
    said says held kept wrote read built began begun become became gave given took taken told found made
    thought called does doing did done used uses"""
)

# Distinctive function words decide the language; shared ones ("de", "la", "in") still count for each.
_DETECT = {
    "en": "the and of to is that it with for this are was be have not which from by they you what",
    "de": "der die das und ist nicht ein eine zu den von mit sich auf für dem auch es im wird sind wie oder",
    "fr": "le la les et est des du une un que qui pour dans pas sur avec ce il elle sont au mais cette",
    "es": "el la los las y es que del en un una por con para no se su al lo como más pero está",
    "it": "il lo la gli le e è di che non per un una con del della sono nel anche come più questo",
    "nl": "de het een en van is dat niet op te in met voor zijn er die ook aan bij maar wordt naar",
    "pt": "o a os as e é de do da dos das que não em um uma para com por no na mais mas são",
}
_DETECT_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _DETECT.items():
    for _word in _words.split():
        _DETECT_INDEX[_word] = (*_DETECT_INDEX.get(_word, ()), _lang)
LANGUAGES = tuple(_DETECT)

MONTHS_EN = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_GERMAN_MONTHS = "januar februar märz april mai juni juli august september oktober november dezember"
MONTHS_DE = {name: number for number, name in enumerate(_GERMAN_MONTHS.split(), start=1)} | {"maerz": 3, "jänner": 1}

# Capitalized words that are ordinary words, never a page of their own.
NOT_NAMES = frozenset(
    {*MONTHS_EN, *MONTHS_DE}
    | word_set(
        """monday tuesday wednesday thursday friday saturday sunday chapter figure table section part step note
    notes example introduction conclusion summary update edit read more see also yes no ok okay mr mrs
    ms dr prof st english german french spanish italian dutch portuguese american european today
    yesterday tomorrow http https www com org"""
    )
)

# Abbreviations after which a period does not end a sentence.
ABBREVIATIONS = word_set(
    """e.g i.e etc vs cf al approx ca dr mr mrs ms prof st no nr fig jr sr inc ltd co corp dept est vol pp ed
    eds jan feb mar apr jun jul aug sep sept oct nov dec bzw usw ggf evtl vgl z.b d.h u.a s"""
)

# Text aimed at a model rather than a reader: never quoted, summarized or turned into a claim (one pattern with lint).
INJECTION, INJECTION_HINTS = injection.INJECTION, injection.HINTS


def detect_language(words: Iterable[str]) -> str:
    """ISO 639-1 code of the language whose function words (lowercase `words`) are most frequent; else English."""
    counts: Counter[str] = Counter()
    for word, n in Counter(words).items():
        for lang in _DETECT_INDEX.get(word, ()):
            counts[lang] += n
    if not counts:
        return "en"
    best = max(LANGUAGES, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > counts["en"] else "en"


def stopwords_for(language: str) -> frozenset[str]:
    """The language's stopwords plus English ones (technical texts mix in English terms)."""
    return STOPWORDS.get(language, frozenset()) | STOPWORDS["en"]
