"""Bylines as names: "By Jane Doe and John Roe, Staff Writers | March 3, 2024" becomes
("Jane Doe", "John Roe").

Where the names come from, best first: the page's article object in JSON-LD (`author` as Person
names, written as the publisher wrote them), a "By ..." line after the headline when it names
people as pages print names, its author meta tags, trafilatura's byline (unless it read a comment),
then any byline the page prints (after the headline, an element marked as the author, a label
such as "Autor:" anywhere), then the feed's. What is removed: lead-ins ("By", "Von", "Par", "View
all posts by"...), roles and titles around a name ("Staff Writer", "PhD", "FOCUS-Online-Experte"),
dates and times, words that are not names ("Follow", "Admin", "Donnerstag") and a blog's "View
my complete profile" button. Co-authors are split on commas, semicolons, "&", and the word "and"
in the page's languages. An organisation is dropped when a person also signs the piece, and kept
when it is the only byline; then the agency of the dateline ("Hamburg (dpa/lno) –") or a
"Quelle:" line goes before the site's own name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from pipeline import headline

_LEAD_INS = re.compile(
    r"^(?:(?:view|see) all (?:posts|articles|stories) by|zeige alle beiträge von|alle beiträge von|"
    r"weitere artikel von|more (?:articles|stories) (?:by|from)|articles? by|posts? by|"
    r"posted (?:on )?by|published by|written by|reported by|story by|words by|"
    r"(?:veröffentlicht|publiziert|geschrieben|verfasst) von|publié par|écrit par|"
    r"(?:publicado|escrito) por|redaktion:|text(?: und fotos?)?:?|text von|fotos?:|interview:?|"
    r"(?:ein|eine) (?:beitrag|artikel|kommentar|interview|kolumne|gastbeitrag) von|kolumne von|"
    r"(?:blog ?)?beitrag ?von|artikel von|erstellt von|zum profil von|"
    r"author:?|autor(?:in|/in|\*in)?:?|kolumnist(?:in|/in|\*in)?:|auteur:?|redakteur(?:in)?:?|by|von|vom|par|por|di|door|av|af|de|"
    r"eingestellt von|from|mit)(?::?\s+|:?$)",
    re.IGNORECASE)
#: What a byline calls a person's job; removed after a name ("Jane Doe, Staff Writer", "Ben Silverman
#: Games Editor") or before one ("Korrespondentin Anna Meier"), never as a name of its own.
ROLE_WORDS = ("editors?", "correspondents?", "reporters?", "writers?", "columnists?", "contributors?",
              "staff", "redakteur(?:in)?", "korrespondent(?:in)?", "reporterin", "chefredakteur(?:in)?",
              "autor(?:in)?", "journaliste", "rédact(?:eur|rice)", "rédacteur en chef", "experte", "expertin",
              "kolumnist(?:in)?", "gastautor(?:in)?", "rechtsanwalt", "rechtsanwältin")
#: What can stand before a role word: the desk or rank ("Senior", "White House", "Games").
DESKS = ("chief", "senior", "managing", "deputy", "executive", "associate", "assistant", "contributing",
         "staff", "political", "politics", "foreign", "economics", "business", "finance", "science",
         "sports?", "health", "technology", "tech", "legal", "white house", "washington", "europe",
         "moscow", "kyiv", "games", "gaming", "entertainment", "food", "travel", "opinion", "culture",
         "music", "film", "arts?", "fashion", "style", "news", "digital", "photo", "video", "data",
         "climate", "education", "investigative", "national", "local", "wissenschafts", "politik",
         "wirtschafts")
#: Degrees written after a name and a comma ("Brenda Goodman, MA").
DEGREES = ("ph\\.?\\s?d\\.?", "m\\.?\\s?d\\.?", "ma", "msc", "bsc", "rd", "mph", "mba", "dipl\\.?-ing\\.?")
_DESK = "(?:(?:" + "|".join(DESKS) + ")\\s+)*"
_ROLES = re.compile(r"(?:^|,\s*|\s+)" + _DESK + "(?:" + "|".join(ROLE_WORDS) + r")\b\.?$"
                    r"|(?:^|,\s*)(?:" + "|".join(DEGREES) + r")$", re.IGNORECASE)
#: A role before a name may be a compound ("FOCUS-Online-Experte Robin Tschöpe").
_LEADING_ROLE = re.compile(r"^(?:[\w]+-)*" + _DESK + "(?:" + "|".join(ROLE_WORDS) + r")\s+(?=(?-i:[A-ZÄÖÜ]))",
                           re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?\S*)?|"
    r"\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?(?:\s?[A-Z]{2,4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|oktober|"
    r"dezember)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}\.?\s+(?:jan|feb|mar|mär|apr|may|mai|jun|jul|aug|sep|oct|okt|nov|dec|dez)[a-zä]*\.?\s+\d{4})",
    re.IGNORECASE)
#: Between co-authors: punctuation, or "and" in the page's languages ("e" but not "e. V.").
_SPLIT = re.compile(r"\s*(?:;|,|&|\||\s/\s|\n|\band\b|\bund\b|\bet\b|\by\b|\be\b(?!\.)|\ben\b|\boch\b|"
                    r"\bog\b)\s*", re.IGNORECASE)
_TRAILERS = re.compile(r"\s+(?:says|said|schreibt|sagt|stand|updated|aktualisiert|veröffentlicht|"
                       r"published|posted|on|am|at|um|le|el|vor|under|in|před|ago|alle artikel|"
                       r"all (?:posts|articles|stories)|mehr|more|profil|profile|lesezeit|reading time|"
                       r"tiempo de lectura)$", re.IGNORECASE)
#: A month's name left after a name when a date's day and year were taken away ("Joshua Sokol May").
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september",
                    "october", "november", "december", "januar", "februar", "märz", "juni", "juli",
                    "oktober", "dezember"})
#: "Rob Ewaschuk Edited by Betsy Beyer": who edited the piece did not write it.
#: Only after a name: "05.02.2020 - Redaktion: Eberhard Fuhr" names its writer.
_EDITED_BY = re.compile(r"(?<=\w)[\s.,;]*\s(?:edited by|redigiert von|redaktion:)\s.*$",
                        re.IGNORECASE | re.DOTALL)
#: Bylines that are not names at all: placeholders, buttons and labels printed where a name goes.
NOT_NAMES = frozenset({
    "admin", "administrator", "follow", "name", "posted", "author", "autor", "no author", "unknown",
    "anonymous", "guest", "editor", "staff", "share", "teilen", "more", "mehr", "wordpressadmin",
    "human", "view", "contributor", "contributors", "webmaster", "user", "username", "default",
    "by", "von", "veröffentlicht", "publiziert", "published", "datum", "date", "stand", "vorlesen",
    "kontaktieren", "contact", "zuletzt geändert", "last updated", "updated", "aktualisiert",
})
#: Words of the headings that also close articles in bold ("Weitere Informationen", "Related
#: Articles"), which are capitalised as names are.
HEADING_WORDS = frozenset({
    "weitere", "mehr", "informationen", "info", "infos", "links", "quelle", "quellen", "kontakt",
    "fazit", "hinweis", "hinweise", "anmerkung", "anmerkungen", "impressum", "datenschutz", "anzeige",
    "werbung", "fotos", "bilder", "video", "videos", "galerie", "kommentare", "newsletter", "related",
    "articles", "stories", "read", "more", "share", "tags", "comments", "sources", "references",
    "contact", "footnotes", "about", "advertisement", "photos", "gallery", "subscribe", "abonnieren",
    "teilen", "lesen", "artikel", "themen", "thema", "download", "downloads", "literatur", "notes"})
#: "4 min", "vor 3 Stunden", "hace 3 horas": the reading time or the age printed beside the byline.
_READING_TIME = re.compile(r"(?:^|\s)\d+\s*(?:min|mins|minutes?|minuten|sek|sec|hours?|stunden|horas?|"
                           r"days?|tagen?|días)\b", re.IGNORECASE)
#: A day of the week printed before the date beside a byline ("Donnerstag, 4. November 2021").
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag",
                      "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi",
                      "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})
#: A name starts with a capital unless it is a user name of one word ("uriebe") or starts with a
#: particle ("von Roland Brockmann"); "it was already too late" is a sentence.
PARTICLES = frozenset({"von", "van", "vom", "zu", "de", "da", "di", "del", "der", "den", "le", "la", "al",
                       "el", "bin", "ibn", "ten", "ter", "du", "dos", "das"})
#: Links to a profile elsewhere, printed beside the byline ("Facebook", "Twitter").
_SOCIAL = re.compile(r"\b(?:facebook|twitter|instagram|linkedin|xing|youtube|tiktok|mastodon)\b",
                     re.IGNORECASE)
#: Words that make a byline an organisation ("Badische Zeitung", "Deutscher Caritasverband"); a
#: domain written as words ("Bueltge De", trafilatura's "bueltge.de") is a site.
_ORGANISATION = re.compile(
    r"(?:\b(?:gmbh|ag|inc|ltd|llc|e\.\s?v|s\.a|media|médias?|news|zeitung|nachrichten|online|verlag|"
    r"press|presse|team|redaktion|editorial|agency|agentur|agenturen|tv|radio|magazin|magazine|"
    r"times|post|journal|tribune|herald|daily|group|gruppe|stiftung|foundation|institut|"
    r"university|universität|ministry|ministerium|associated|wire|desk|newsroom|"
    r"dpa|afp|apa|ap|reuters|kna|epd|sid|dts|ddp|efe|ansa|upi|xinhua|welle|rundfunk|fernsehen|broadcasting)\b|"
    r"\w(?:verband|verein|anstalt|gesellschaft|stiftung|zeitung|redaktion)\b|"
    r"\.(?:de|com|at|ch|org|net|fr|uk|eu|it|es|info)\b|/[a-z]{2,3}$|"
    r"\s(?:de|com|at|ch|org|net|fr|eu|it|info)$)",
    re.IGNORECASE)
#: Who built the site, printed where a byline goes ("Hecho en Bolivia con Drupal por Smartica",
#: "Theme by Fuchsy designed"): the credit of a site's maker, never of an article's author.
_SITE_CREDIT = re.compile(r"\b(?:drupal|wordpress|joomla|typo3|powered by|designed|design by|theme by|"
                          r"webdesign|web design|hecho (?:en|con)|made with)\b", re.IGNORECASE)
#: The link to a blogger's profile that blog platforms print beside (or instead of) the name, in
#: the page's language ("View my complete profile" on Blogger): a button, never a name.
_PROFILE_LINK = re.compile(r"^\s*(?:view my complete profile|view (?:my|full) profile|"
                           r"afficher mon profil complet|mein profil vollständig anzeigen|ver todo mi perfil|"
                           r"visualizza il mio profilo completo)\s*$", re.IGNORECASE)
#: An acronym alone ("AFP", "NDR", "BBAW") is an organisation; case matters here ("Nils" is not).
_ACRONYM = re.compile(r"^[A-ZÄÖÜ][A-ZÄÖÜ0-9-]{1,6}$")


def clean(byline: str | None) -> tuple[str, ...]:
    """One byline as it is written on a page or in a feed, as names."""
    if not byline or not byline.strip():
        return ()
    text = html.unescape(html.unescape(byline))  # CMSs escape twice: "Redacci&amp;oacute;n"
    if _SITE_CREDIT.search(text) or _PROFILE_LINK.match(text):
        return ()
    text = text.replace("\xad", "")  # soft hyphens: "Mat&shy;thi&shy;as"
    text = re.sub(r"https?://\S+|\S+@\S+\.\w+|\(.*?\)|©|\([cC]\)", " ", text)
    text = _EDITED_BY.sub("", _DATE.sub(" ", text))
    # "Peter Maahn/SP-X": a person's name and the agency; "dpa/lno" and "AFP/The Local" are one credit.
    # "MDR THÜRINGEN/ls", "hessenschau.de/bb": a newsroom's credit with its editor's shorthand is one.
    text = re.sub(r"(\w+\s+\w+)/(?=\w)(?![a-z]{2,3}$)", r"\1;", text)
    # "Richard David Precht im Gespräch mit Karin Fischer": both are authors of the piece.
    text = re.sub(r"\s+(?:im gespräch mit|in conversation with|interviewed by|with)\s+", ";", text,
                  flags=re.IGNORECASE)
    names: list[str] = []
    for part in _SPLIT.split(text):
        name = _name(part)
        if name and not (names and _described(name)):
            names.append(name)
    return _people_first(tuple(dict.fromkeys(names)))


def _name(part: str) -> str | None:
    part = _trim(part)
    for _ in range(3):
        stripped = _LEADING_ROLE.sub("", _LEAD_INS.sub("", part))
        stripped = _without_role(stripped)
        stripped = _trim(_TRAILERS.sub("", stripped))
        words = stripped.split()
        if len(words) >= 3 and words[-1].lower() in MONTHS:
            stripped = " ".join(words[:-1])
        if stripped == part:
            break
        part = stripped
    if not part or part.lower() in NOT_NAMES or not re.search(r"\w", part) or _SOCIAL.search(part):
        return None
    words = part.split()
    if (len(part) > 60 or len(words) > 6 or sum(ch.isdigit() for ch in part) > 4
            or part.startswith("@") or _READING_TIME.search(part) or len(part.rstrip(".")) < 2
            or (len(words) > 1 and words[0].islower() and words[0] not in PARTICLES)
            or part.lower() in WEEKDAYS):
        return None
    return part


def _described(name: str) -> bool:
    """What follows a name and is no other name: a description in words of a sentence ("Uta
    Staschewski, Projektleiterin der HSS in Tunesien"), three words or more, one of them in lower
    case and not a particle of a name."""
    words = name.split()
    return len(words) >= 3 and any(w.islower() and w not in PARTICLES for w in words)


def _without_role(part: str) -> str:
    """A name without the role after it; a role word after a bare space is one only when a name of
    two words stays ("Harald Bauer Autor"): "Jörg Staff" and "Rasender Reporter" are names."""
    match = _ROLES.search(part)
    if not match:
        return part
    if match[0][:1].isspace() and len(part[:match.start()].split()) < 2:
        return part
    return part[:match.start()]


def _trim(part: str) -> str:
    """Spacing folded, stray punctuation off both ends; a final full stop stays after an
    abbreviation ("Jr.", "M.")."""
    part = " ".join(part.split()).strip(" -–—:·|•*,»«›‹/")
    if part.endswith(".") and len(part.rsplit(" ", 1)[-1]) > 3:
        part = part.rstrip(".")
    return part.lstrip(".")


def _people_first(names: tuple[str, ...], site: Site | None = None) -> tuple[str, ...]:
    people = tuple(n for n in names if not is_organisation(n, site))
    return people or names


def is_organisation(name: str, site: Site | None = None) -> bool:
    """A name is an organisation's when it carries an organisation's word or is an acronym, or when
    it is the site's own name (its domain, its site name or publisher)."""
    return bool(_ORGANISATION.search(name) or _ACRONYM.match(name) or (site and site.names(name)))


def names_a_person(names: Iterable[str], site: Site | None = None) -> bool:
    """Whether a byline's names sign the piece: one of them is not an organisation's (or the site's)."""
    return any(not is_organisation(n, site) for n in names)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass(frozen=True)
class Site:
    """What a page says about whose site it is: its domain's labels, its site name, its publisher.
    A byline that is one of these is the organisation, not a person ("Makronom" on makronom.de,
    "Badische Zeitung" on badische-zeitung.de)."""
    keys: frozenset[str] = frozenset()

    @classmethod
    def of(cls, url: str | None, *names: str | None) -> Site:
        keys: set[str] = set()
        host = urlsplit(url or "").hostname or ""
        labels = [label for label in host.split(".")[:-1] if label not in ("www", "co", "com", "org")]
        keys.update(_letters(label) for label in labels)
        keys.update(_letters(name) for name in names if name)
        return cls(frozenset(k for k in keys if len(k) >= 4))

    def names(self, name: str) -> bool:
        """The name is the site's (contains its domain's main label, or is its name)."""
        folded = _letters(name)
        return any(key in folded or (len(folded) >= 6 and folded in key) for key in self.keys)

    def without(self, name: str) -> str:
        """A name without the site's name after it ("Adam Aaronson PhillyVoice Staff" is Adam
        Aaronson's)."""
        words = name.split()
        if len(words) >= 3 and _letters(words[-1]) in self.keys and all(w[0].isupper() for w in words):
            return " ".join(words[:-1])
        return name


#: trafilatura's byline when it read a comment's header ("Art Edwards says", "Stephangoeldi Said"),
#: or a byline whose escaped letters it broke apart ("Redacci; Oacute; N Diario"): not the article's.
_COMMENTER = re.compile(r"\b(?:says|said|schreibt|sagt)\s*:?\s*(?:;|$)", re.IGNORECASE)
_BROKEN_ENTITY = re.compile(
    r"(?:^|;\s*)(?:[a-z]{1,2}(?:acute|grave|uml|tilde|circ|cedil)|szlig|nbsp|amp)(?:\s*;|$)", re.IGNORECASE)


def from_trafilatura(byline: str | None, tree: Any = None) -> tuple[str, ...]:
    """trafilatura's byline as names; none when it is a commenter's or broken. The words of an
    author meta tag that holds a link (`/authors/dokafor`) are not names: trafilatura reads that
    link's path as "Authors; Dokafor"."""
    if not byline or _COMMENTER.search(byline) or _BROKEN_ENTITY.search(byline):
        return ()
    parts = [p.casefold() for link in _author_links(tree) for p in re.split(r"[/?#=&:]+", link) if p]
    path_words = {*parts, *(re.sub(r"[._]+", " ", p).strip() for p in parts)}
    return tuple(n for n in clean(byline) if n.casefold() not in path_words)


def _is_link(content: str) -> bool:
    """An author meta tag's content that is a link to a profile, not a name: an address, or a path
    (absolute, or relative as a template left it: `{{BASE}}/profile/daniel-okafor`)."""
    text = content.strip()
    return text.startswith(("http://", "https://", "/")) or ("/" in text and " " not in text)


def _author_links(tree: Any) -> list[str]:
    if tree is None:
        return []
    return [c for meta in tree.xpath("//meta[@content]") if _is_link(c := meta.get("content") or "")
            and set((meta.get("name") or meta.get("property") or "").lower().split()) & set(AUTHOR_META)]


def from_jsonld(article: dict[str, Any] | None) -> tuple[str, ...]:
    """The names of a JSON-LD article object's `author` (Persons; Organizations only when no
    person is named)."""
    if not article:
        return ()
    authors = article.get("author") or article.get("creator")
    items = authors if isinstance(authors, list) else [authors]
    people: list[str] = []
    organisations: list[str] = []
    for item in items:
        if isinstance(item, str):
            people.extend(clean(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            kind = str(item.get("@type") or "").lower()
            target = organisations if "organization" in kind else people
            target.extend(clean(item["name"]))
    return _people_first(tuple(dict.fromkeys(people or organisations)))


def publisher(article: dict[str, Any] | None) -> str | None:
    """The name of a JSON-LD article object's publisher."""
    found = (article or {}).get("publisher")
    found = found[0] if isinstance(found, list) and found else found
    name = found.get("name") if isinstance(found, dict) else found
    return name if isinstance(name, str) else None


#: A user name rather than a name as printed: "robert.stitz", "gabor_munier", "arianschlichenmayer".
_HANDLE = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)+|[a-z]{12,})$")


def choose(*sources: Iterable[str], site: Site | None = None, printed: Iterable[str] = (),
           credited: Iterable[str] = ()) -> tuple[str, ...]:
    """The names of the first source that names a person, best source first; a source that names
    only organisations (or the site itself) gives way to a later one that names a person, and is
    taken when none does. A later source that names the one person of the chosen source and more
    (the article object often lists only the first author) is taken instead; a user name is
    replaced by the same letters as another source writes them ("arianschlichenmayer" is "Arian
    Schlichenmayer"), a first name alone by the full name another source gives ("Todd" is "Todd
    Bates"). `printed`, the byline read off the page, comes last and never widens a choice (a
    printed line also names roles and employers: "Alex Durán, AMP Project Marketing, Google").
    When nobody signs, the first organisation named is taken; `credited` (the agency of the dateline,
    a "Quelle:" line) only before the site's own name."""
    site = site or Site()
    found = [tuple(dict.fromkeys(site.without(n) for n in names)) for names in (*sources, printed, credited)]
    people = [tuple(n for n in names if not is_organisation(n, site)) for names in found]
    best = next((i for i, names in enumerate(people) if names), None)
    if best is None:
        first = next((names for names in found[:-1] if names), ())
        return found[-1] if found[-1] and all(site.names(n) for n in first) else first
    chosen = people[best]
    have = {_letters(n) for n in chosen}
    for names in people[best + 1:len(sources)]:
        if (len(chosen) == 1 and len(names) > 1 and have <= {_letters(n) for n in names}
                and not any(ch.isdigit() for n in names for ch in n)):
            chosen, have = names, {_letters(n) for n in names}
    printed = {_letters(n): n for names in people for n in names if not _HANDLE.match(n)}
    chosen = tuple(printed.get(_letters(n), n) if _HANDLE.match(n) else n for n in chosen)
    return tuple(dict.fromkeys(_whole(n, found, people) for n in chosen))


_FULL_NAME = re.compile(r"^(?:[^\W\d_][\w.'-]*\s){1,3}[^\W\d_][\w.'-]*$")


def _whole(name: str, found: list[tuple[str, ...]], people: list[tuple[str, ...]]) -> str:
    """A one-word name that another source gives with more after it: a cut-off user name ("Bo" is
    "Bo2man"), an editor's shorthand as the whole credit ("Det" is "det/dpa"), a first name alone
    as a person's full name (`_full_name`)."""
    if " " in name:
        return name
    longer = {n for names in found for n in names
              if len(n) > len(name) and n.lower().startswith(name.lower()) and " " not in n
              and not n[len(name)].isalpha()}
    full = _full_name(name, people)
    longer |= {full} if full != name else set()
    return longer.pop() if len(longer) == 1 else name


def _full_name(name: str, sources: list[tuple[str, ...]]) -> str:
    """A first name alone ("Todd") as another source writes it in full ("Todd Bates"), when one
    name there starts with it."""
    if " " in name:
        return name
    fuller = {n for names in sources for n in names
              if _FULL_NAME.match(n) and n.split()[0].lower() == name.lower()}
    return fuller.pop() if len(fuller) == 1 else name


def as_printed(names: Iterable[str], tree: Any) -> tuple[str, ...]:
    """Names as the page prints them: trafilatura drops the full stops and underscores of a byline
    ("T V Raman" is printed "T. V. Raman", "Herr Rein" "Herr_Rein"): the first form the page
    prints."""
    names = tuple(names)
    if tree is None or not names:
        return names
    text = etree.tostring(tree, method="text", encoding="unicode")
    for element in tree.iter("script", "style"):  # what the page prints, not its code
        if element.text:
            text = text.replace(element.text, " ", 1)
    out = []
    for name in names:
        words = name.split()
        # The page's text runs elements together ("T. V. RamanHerr_Rein"): a name starts and ends
        # where its letters do (a form with other letters is not taken); a last initial takes its
        # full stop.
        pattern = r"[\s._]{1,3}".join(map(re.escape, words))
        pattern += r"(?:\.|(?![^\W\d_]))" if len(words[-1]) == 1 else ""
        match = re.search(pattern, text)
        printed = _trim(" ".join(match[0].split())) if match else name
        out.append(printed if _letters(printed) == _letters(name) else name)
    return tuple(out)


#: "Hamburg (dpa/lno) –", "WASHINGTON (AP) —": the agency a dateline credits.
_DATELINE = re.compile(r"^(?:[A-ZÄÖÜ][\w.'-]*(?:[ /-][A-ZÄÖÜ][\w.'-]*){0,2}\s+)?"
                       r"\(([A-Za-z]{2,8}(?:[/-][A-Za-z]{2,8}){0,2})\)\s*[-–—.:]")
DATELINE_LINES = 3
#: "Quelle: kathpress", "Quelle: MDR THÜRINGEN/ls": the newsroom or agency a story is credited to.
_SOURCE_LINE = re.compile(r"^(?:quelle|source)\s*:\s*(.*)$", re.IGNORECASE)


def credited(tree: Any, text: str | None) -> tuple[str, ...]:
    """The organisation a story is credited to where no one signs it: the agency of its dateline
    (the start of one of its first lines), else a "Quelle:" line naming an agency or a newsroom (a
    person after "Quelle:" is a picture's credit)."""
    for line in (text or "").splitlines()[:DATELINE_LINES]:  # (the headline may come first)
        if (dateline := _DATELINE.match(line[:120])) and (
                is_organisation(dateline[1]) or dateline[1].islower()):
            return (dateline[1],)
    body = tree.find("body") if tree is not None else None
    pending = False  # "Quelle:" read, its credit in the next text
    for line in islice(body.itertext() if body is not None else (), BODY_TEXTS):
        line = " ".join(line.split())
        if not line:
            continue
        source = line if pending else (m[1] if (m := _SOURCE_LINE.match(line)) else None)
        pending = source == ""
        if source and len(source) <= BYLINE_CHARS:
            names = clean(source)
            if len(names) == 1 and (is_organisation(names[0]) or re.fullmatch(r"[a-z]{3,}", names[0])):
                return names
    return ()


def as_signed(names: tuple[str, ...]) -> tuple[str, ...]:
    """The byline after the headline when it names people as a page prints names (two to four
    capitalised words each: "Jane Doe", not "le passé"; or one name of one capitalised word:
    "Konstantin", not "Risiken", "Nebenwirkungen"): then it is believed before
    the meta tags and trafilatura, which read other people's names too (a commenter, the site's
    owner, the author of a related story)."""
    if names and all(_PERSON.match(n) and not is_organisation(n) for n in names):
        return names
    if len(names) == 1 and _FIRST_NAME.fullmatch(names[0]) and not is_organisation(names[0]):
        return names
    return ()


#: meta tags that carry a byline (name or property, lower-cased), in the order they are believed:
#: Dublin Core's creator first (sites that fill it fill it by hand), the generic "author" last.
AUTHOR_META = ("dc:creator", "dc.creator", "dcterms.creator", "dcterms:creator", "article:author",
               "og:article:author", "parsely-author", "sailthru.author", "byl", "citation_author", "author")


def from_meta(tree: Any) -> tuple[str, ...]:
    """The names in the page's author meta tags (profile URLs are passed over): those of the first
    tag, in AUTHOR_META's order, that names a person, else every organisation named. A tag may
    have several names in its property ("dc:creator twitter:site_name")."""
    if tree is None:
        return ()
    by_key: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta[@content]"):
        keys = (meta.get("name") or meta.get("property") or "").lower().split()
        content = meta.get("content") or ""
        if _is_link(content):
            continue
        for key in keys:
            if key in AUTHOR_META:
                by_key.setdefault(key, []).extend(clean(content))
    for key in AUTHOR_META:
        people = [n for n in by_key.get(key, ()) if not is_organisation(n)]
        if people:
            return tuple(dict.fromkeys(people))
    return tuple(dict.fromkeys(n for key in AUTHOR_META for n in by_key.get(key, ())))


#: How a printed byline starts ("By", "Von:", "Ein Artikel von", "Text:"); a line of its own that is
#: only this takes the text after it ("Von" <em>Klaus Stanjek</em>).
_BYLINE_LINE = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|text|texte|autor|author|written by|posted by|publié par|"
    r"(?:erstellt|geschrieben|verfasst) von|"
    r"(?:autor|kolumnist)(?:in|/in|\*in)?:|"
    r"(?:ein |eine )?(?:artikel|beitrag|text|interview|kolumne|gastbeitrag) von|redaktion|reporter|auteur)"
    r"\s*(?::\s*|\s+|$)",
    re.IGNORECASE)
_AUTHOR_ELEMENTS = ('//body//*[@rel="author" or @itemprop="author" or contains(@class, "author")'
                    ' or contains(@class, "byline") or contains(@class, "auteur")'
                    ' or contains(@class, "autor") or contains(@class, "contributor")]'
                    # not another story's: a teaser of it, or a slider of teasers
                    '[not(ancestor::*[contains(@class, "teaser") or contains(@class, "slider")'
                    ' or contains(@class, "carousel")])]'
                    # nor a commenter's, unless the article's author comments (WordPress marks it)
                    '[not(ancestor-or-self::*[not(self::body) and (contains(@class, "comment")'
                    ' or starts-with(@id, "comment"))])'
                    ' or ancestor-or-self::*[contains(concat(" ", normalize-space(@class), " "),'
                    ' " comment ")][1][contains(@class, "bypostauthor")]]')
#: What else a byline line credits ("Text von X Illustration von Y"): cut off before it is read.
_OTHER_CREDITS = re.compile(r"\s+(?:illustrations?|fotos?|photos?|bilder?|grafik|quelle|source)\b.*$",
                            re.IGNORECASE)
#: Anywhere on the page, a short line that reads "Von Anna Meier", "By Jane Doe", "Autorin: Uta
#: Staschewski" (a lead-in and two capitalised words) signs it, when nothing else does.
_SIGNED = re.compile(r"^(?:von|by|written by|autor(?:in)?|author|redaktion|herausgeber(?:in)?|"
                     r"(?:blog ?)?beitrag von|(?:ein )?(?:artikel|text|kolumne|gastbeitrag) von)"
                     r"\s*:?\s+(?-i:[A-ZÄÖÜ])[\w.'-]+\s+(?-i:[A-ZÄÖÜ])", re.IGNORECASE)
#: The date (and time) a byline line may start with ("06.11.2023 13:30 von Olga", "05.02.2020 -
#: Redaktion: Eberhard Fuhr"), where the byline follows.
_DATED_LINE, _DATED_SIGNED = (
    re.compile(r"^(?:(?:" + _DATE.pattern + r")\s*[,|·•/–—-]?\s*){1,2}(?=" + lead.pattern[1:] + ")",
               re.IGNORECASE)
    for lead in (_BYLINE_LINE, _SIGNED))
BODY_TEXTS = 3000
#: A byline is a short line; text nodes after the headline read for one.
BYLINE_CHARS = 80
NEAR_HEADLINE_NODES = 40


def from_page(tree: Any, near: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Names the page prints: a short line after the headline that starts with "By", "Von",
    "Par"... (a line that is only that with the line after it) or that is a date and a name
    ("11.12.2019 - Jane Doe"), else the first short element marked as an author or byline (class,
    rel, itemprop), else a signed line anywhere (`signed`). The first of these that names a person
    wins; an organisation ("By The Planetary Press") is kept only when none does. `near`: the
    byline after the headline, when already read."""
    if tree is None:
        return ()
    found = after_headline(tree) if near is None else near
    if names_a_person(found):
        return found
    for element in tree.xpath(_AUTHOR_ELEMENTS)[:5]:
        line = " ".join(element.text_content().split())
        if 2 < len(line) <= BYLINE_CHARS and (marked := clean(_OTHER_CREDITS.sub("", line))):
            if names_a_person(marked):
                return marked
            found = found or marked
            break
    anywhere = signed(tree)
    return anywhere if names_a_person(anywhere) else found or anywhere


def after_headline(tree: Any) -> tuple[str, ...]:
    """The byline printed after the headline: a short line that starts with a lead-in ("By",
    "Von", "Autor:"; a line that is only that with the line after it), after a date or not
    ("06.11.2023 13:30 von Olga"), or a date and a name."""
    lines = list(islice(headline.after(tree), NEAR_HEADLINE_NODES))
    for i, line in enumerate(lines):
        line = _DATED_LINE.sub("", line) if line[:1].isdigit() else line
        if len(line) <= BYLINE_CHARS and _BYLINE_LINE.match(line):
            if not _BYLINE_LINE.sub("", line).strip() and i + 1 < len(lines):
                line = f"{line} {lines[i + 1]}"
            names = clean(_OTHER_CREDITS.sub("", line))
            if names:
                return names
        elif len(line) <= BYLINE_CHARS and (dated := _DATED.match(line)) and _PERSON.match(dated[1]):
            return clean(dated[1])
    return ()


#: "11.12.2019 - Amelie Loevenich": a dateline and a name after it.
_DATED = re.compile(r"^(?:" + _DATE.pattern + r")\s*[-–—|·•]\s*(.+)$", re.IGNORECASE)
#: One capitalised word of a name alone ("Konstantin", "Benni").
_FIRST_NAME = re.compile(r"[A-ZÄÖÜ][a-zäöüß]{2,}")
#: Two to four capitalised words: how a person's name is printed.
_PERSON = re.compile(r"^[A-ZÄÖÜ][\w.'-]+(?:\s+(?:(?:von|van|de|der|den|la|le|da|di|del|dos|du|zu)\s+){0,2}"
                     r"[A-ZÄÖÜ][\w.'-]*){1,3}$")
#: A label of its own, the name in the next text ("Autor: | Jane Doe", "22. Januar 2020 // Autor: |
#: c1ph4"); after "By" or "Von" alone the name must be a person's name as printed ("By | Jane Doe").
_LABEL = re.compile(r"(?:^|[|/•·–—]\s*)(?:written by|published by|posted by|geschrieben von|erstellt von|"
                    r"verfasst von|autor(?:in)?|herausgeber(?:in)?|"
                    r"author|auteur|text)\s*:?$|^(?:von|by)\s*:$", re.IGNORECASE)
_BARE_LEAD_IN = re.compile(r"^(?:[|•·–—]\s*)?(?:von|by|par|por)$", re.IGNORECASE)
#: What a licence or a picture credits: "CC BY-SA | by | Jane Doe" names who owns a work, not who wrote.
_LICENCE = re.compile(r"\b(?:cc|creative commons|licen[cs]e|lizenz|foto|photo|bild|image)\b|©", re.IGNORECASE)


def signed(tree: Any) -> tuple[str, ...]:
    """Anywhere on the page, a short line that reads "Von Anna Meier", "By Jane Doe", "Autorin: Uta
    Staschewski" (a lead-in and two capitalised words), or a label of its own and the name in the
    next text ("Autor: | Uta Staschewski"; a role between them is skipped: "Autor: | Rechtsanwalt |
    Jan Berg"), signs it, when nothing else does; the first that names a person, else the first."""
    body = tree.find("body")
    texts = islice(body.itertext() if body is not None else (), BODY_TEXTS)
    label = ""  # the label just read, whose name is the next text
    before = ""  # the text before
    found: tuple[str, ...] = ()
    for text in texts:
        line = " ".join(text.split())
        if not line or len(text) > 2 * BYLINE_CHARS:
            label = "" if line else label  # (a script's text is long, or code: it does not sign)
            continue
        if label:
            names = clean(line) if len(line) <= BYLINE_CHARS else ()
            # a name as printed, or a user name of one word ("c1ph4"); not a menu's next entry
            if names and (_PERSON.match(line) or (" " not in line and not _BARE_LEAD_IN.match(label))):
                if names_a_person(names):
                    return names
                found = found or names  # an organisation signs when no person does
            if not names and _without_role(line) == "" and len(line) <= 40:
                continue  # the name's role, between the label and the name
        if len(line) <= BYLINE_CHARS and (_LABEL.search(line) or (
                _BARE_LEAD_IN.match(line) and not _LICENCE.search(before))):
            label, before = line, line
            continue
        label, before = "", line
        line = line.lstrip("-–—|·• ")
        line = _DATED_SIGNED.sub("", line) if line[:1].isdigit() else line
        signs = len(line) <= BYLINE_CHARS and _SIGNED.match(line)
        if signs and (names := clean(_OTHER_CREDITS.sub("", line))):
            if names_a_person(names):
                return names
            found = found or names
    return found


#: A line that is only a date ("10. September 2017", "05.02.2020"), printed under a signature.
_DATE_LINE = re.compile(r"^(?:" + _DATE.pattern + r")\.?$", re.IGNORECASE)
#: How a signature under an article is set apart: bold or italic, or set to the right.
_EMPHASIS = frozenset({"b", "strong", "em", "i"})


def closing(tree: Any, text: str | None) -> tuple[str, ...]:
    """The signature that closes an article: its text's last line, or the line above a date
    closing it, is a name as printed (two to four capitalised words; one, when a date follows:
    "Benni / 10. September 2017"), and the page sets it apart: in bold or italic, to the right, or
    with that date in the same paragraph."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]
    if tree is None or len(lines) < 3:
        return ()
    dated = bool(_DATE_LINE.match(lines[-1]))
    name = lines[-2] if dated else lines[-1]
    one_word = dated and _FIRST_NAME.fullmatch(name) is not None
    if (len(name) > 40 or not (_PERSON.match(name) or one_word) or is_organisation(name)
            or any(word.lower() in HEADING_WORDS for word in name.split())):
        return ()
    for element in tree.iter("p", "div", "b", "strong", "em", "i", "font", "span"):
        own = " ".join(element.text_content().split())
        if own != name and not (dated and own.startswith(name) and _DATE_LINE.match(own[len(name):].strip())):
            continue
        if dated or _set_apart(element):
            return clean(name)
    return ()


def _set_apart(element: Any) -> bool:
    """The element or an ancestor within its paragraph is bold or italic, or set to the right."""
    for node in (element, *element.iterancestors()):
        if node.tag in _EMPHASIS or (node.get("align") or "").lower() == "right" \
                or "text-align:right" in (node.get("style") or "").replace(" ", "").lower():
            return True
        if node.tag in ("p", "div", "article", "section", "body"):
            return node.tag == "p" and any(child.tag in _EMPHASIS for child in node) and \
                " ".join((node.text or "").split()) == ""
    return False
