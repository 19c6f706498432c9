"""What the extract stage makes of a page beyond trafilatura: the publication date and its source,
bylines as names, boilerplate lines gone, and the evaluation that measures it on real pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from trafilatura.utils import load_html
from typer.testing import CliRunner

from pipeline import boilerplate, bylines, charset, extract, extract_eval, headline, jsonld, pagedates
from pipeline.cli import app
from pipeline.models import Page, PageTask
from pipeline.urls import article_id

STORY = " ".join(["Negotiators met again in Geneva on Tuesday to discuss a ceasefire along the front,"
                  " with European envoys asking for a seat at the table and guarantees for Kyiv."] * 6)
MORE = " ".join(["Moscow repeated its demands for Donbas while drones struck the south overnight,"
                 " and ministers in Brussels weighed new sanctions on oil revenue."] * 6)


def page_html(*, head: str = "", before: str = "", after: str = "", story: str = STORY) -> str:
    return (f"<html><head><title>Talks resume</title>{head}</head><body><header><nav>Home</nav>"
            f"</header><article>{before}<h1>Talks resume in Geneva</h1>{after}<p>{story}</p>"
            f"<p>{MORE}</p></article><footer>Imprint</footer></body></html>")


def ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def fields(html: str, url: str = "https://news.example.org/world/talks", **kw) -> extract.Fields:
    return extract.page_fields(html, url, **kw)


# -- dates ------------------------------------------------------------------------------------------

def test_the_dateline_printed_with_the_headline_wins_and_a_declared_time_on_that_day_refines_it():
    html = page_html(
        head=ld({"@type": "NewsArticle", "datePublished": "2024-03-02T23:30:00-05:00",
                 "dateModified": "2024-03-05T10:00:00-05:00"})
        + '<meta property="article:modified_time" content="2024-03-05T10:00:00-05:00">',
        after="<p class='byline'>By Jane Doe</p><time>March 2, 2024</time>")
    f = fields(html)
    assert f.date_source == "visible"
    assert f.published == datetime.fromisoformat("2024-03-02T23:30:00-05:00")
    assert f.published_zone == "-05:00"
    assert f.published is not None and f.published.astimezone(UTC) == datetime(2024, 3, 3, 4, 30, tzinfo=UTC)


def test_a_date_in_a_sentence_of_the_story_is_not_the_dateline():
    html = page_html(head=ld({"@type": "NewsArticle", "datePublished": "2024-03-02"}),
                     story="On 24 February 2022 the full-scale invasion began, and the talks " * 8)
    f = fields(html)
    assert f.date_source == "jsonld"
    assert f.published is not None and f.published.date().isoformat() == "2024-03-02"


@pytest.mark.parametrize("written", [
    "18.02.2009", "18. Februar 2009", "Feb. 18, 2009", "2009-02-18", "18 de febrero de 2009",
    "le 18 février 2009",
])
def test_datelines_are_read_in_the_ways_newsrooms_write_them(written):
    found = pagedates.written_date(f"Published {written} 14:05")
    assert found is not None and found.date().isoformat() == "2009-02-18"


def test_impossible_dates_are_never_stored_and_the_feed_date_is_used_instead():
    feed_date = datetime(2025, 6, 1, 8, 15, tzinfo=UTC)
    fetched = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for bad in ("1970-01-01", "2031-01-01T00:00:00Z"):
        html = page_html(head=f'<meta property="article:published_time" content="{bad}">')
        f = fields(html, feed_date=feed_date, fetched_at=fetched)
        assert (f.published, f.date_source) == (feed_date, "feed")
    f = fields(page_html(after="<span>12.03.1994</span>"), fetched_at=fetched)
    assert f.date_source != "visible" and (f.published is None or f.published.year >= 1995)


def test_a_date_in_the_url_is_the_last_resort():
    f = fields(page_html(), url="https://blog.example.org/2019/05/31/talks/")
    assert f.date_source in ("url", "htmldate") and f.published is not None
    assert f.published.date().isoformat() == "2019-05-31"
    assert pagedates.url_date("https://x.example/news/20190531-talks") == datetime(2019, 5, 31, tzinfo=UTC)
    assert pagedates.url_date("https://x.example/item/123456") is None


def test_the_stage_stores_the_date_in_utc_with_its_source_and_zone():
    html = page_html(head='<meta property="article:published_time" content="2024-03-02T09:30:00+02:00">')
    url = "https://news.example.org/world/talks"
    task = PageTask(article_id=article_id(url), url=url, link=url, feed_id="f")
    page = Page(task=task, fetched_at=datetime(2024, 3, 3, tzinfo=UTC), final_url=url, http_status=200,
                content_type="text/html", size_bytes=len(html), elapsed_ms=1.0, body=html.encode(), html=html)
    article, problem = extract.extract_page(page)
    assert problem is None
    assert article.published_at == datetime(2024, 3, 2, 7, 30, tzinfo=UTC)
    assert article.published_at.tzinfo == UTC
    assert (article.date_source, article.published_zone) == ("meta", "+02:00")


# -- bylines ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("byline, names", [
    ("By Jane Doe and John Roe, Staff Writers", ("Jane Doe", "John Roe")),
    ("View all posts by Daniel Lemire", ("Daniel Lemire",)),
    ("Von Roland Brockmann und Sebastian Drescher", ("Roland Brockmann", "Sebastian Drescher")),
    ("By GILLIAN MOHNEY\n March 11, 2015 3:46 PM", ("GILLIAN MOHNEY",)),
    ("Frankfurter Allgemeine Zeitung GmbH; Benjamin Fischer", ("Benjamin Fischer",)),
    ("Reuters", ("Reuters",)),
    ("Richard David Precht im Gespräch mit Karin Fischer", ("Richard David Precht", "Karin Fischer")),
    ("Follow", ()),
    ("View my complete profile", ()),
    ("Afficher mon profil complet", ()),
])
def test_bylines_become_names(byline, names):
    assert bylines.clean(byline) == names


@pytest.mark.parametrize("profile", [
    "", '<div class="profile-name"><a class="g-profile" href="https://www.blogger.com/profile/1" '
        'rel="author"><span>Jane Roe</span></a></div>'])
def test_a_blogs_profile_button_is_not_its_author(profile):
    """Blogger prints "View my complete profile" as a link marked rel=author, beside the
    blogger's name where the theme shows it: the name is the author, the button never."""
    button = ('<a class="profile-link" href="https://www.blogger.com/profile/1" rel="author">'
              'View my complete profile</a>')
    html = page_html(story="The ceasefire talks went on in Geneva today. " * 20).replace(
        "</body>", profile + button + "</body>")
    assert fields(html).authors == (("Jane Roe",) if profile else ())


@pytest.mark.parametrize("link", ["https://news.example.org/authors/dokafor", "/authors/dokafor",
                                  "//news.example.org/authors/dokafor", "{{BASE}}/profile/daniel-okafor"])
def test_an_author_tag_that_links_to_a_profile_gives_no_names(link):
    """`article:author` may hold the author's profile link; trafilatura reads its path as names
    ("Authors; Dokafor"), which are not the byline's."""
    html = page_html(head=f'<meta property="article:author" content="{link}">'
                          '<meta name="author" content="Daniel Okafor">')
    assert fields(html).authors == ("Daniel Okafor",)


def test_the_article_objects_authors_come_first_as_the_publisher_wrote_them():
    html = page_html(head=ld({"@type": "NewsArticle", "author": [
        {"@type": "Person", "name": "Perry Bacon Jr."},
        {"@type": "Organization", "name": "FiveThirtyEight"}]})
        + '<meta name="author" content="Perry Bacon Jr">')
    assert fields(html).authors == ("Perry Bacon Jr.",)
    article = jsonld.article(jsonld.objects(load_html(html)))
    assert article is not None and bylines.from_jsonld(article) == ("Perry Bacon Jr.",)


@pytest.mark.parametrize("open_, close", [("<![CDATA[", "]]>"), ("//<![CDATA[\n", "\n//]]>"),
                                          ("/*<![CDATA[*/", "/*]]>*/")])
def test_an_article_object_inside_a_cdata_section_is_read(open_, close):
    data = json.dumps({"@type": "Article", "author": {"@type": "Person", "name": "Alexandre Hervaud"}})
    html = page_html(head=f'<script type="application/ld+json">{open_}{data}{close}</script>')
    assert fields(html).authors == ("Alexandre Hervaud",)


def test_a_printed_byline_is_read_when_no_metadata_names_anyone():
    printed = fields(page_html(after="<p>Von Anna Meier und Jonas Roth</p>"))
    assert printed.authors == ("Anna Meier", "Jonas Roth")
    tree = load_html(page_html(after='<span class="author-name">Oksana K.</span>'))
    assert bylines.from_page(tree) == ("Oksana K.",)


@pytest.mark.parametrize("where, printed, names", [
    ("after", "<p>06.11.2023 13:30 von Olga</p>", ("Olga",)),  # a date, a time, then the byline
    ("before", "<p>05.02.2020</p><p>- Redaktion: Eberhard Fuhr (Pressesprecher des EJW)</p>",
     ("Eberhard Fuhr",)),
    ("before", "<p>Blog Beitrag von Margarita Koreneva</p>", ("Margarita Koreneva",)),
    ("before", "<p>Text von Christian Seiler Illustration von Markus Roost</p>", ("Christian Seiler",)),
    ("before", "<p>Pressemitteilung</p><p>Herausgeber:</p><p>Nordex SE</p>", ("Nordex SE",)),
])
def test_bylines_printed_with_a_date_a_label_or_a_lead_in_of_their_own(where, printed, names):
    assert fields(page_html(**{where: printed})).authors == names


def test_the_authors_of_teasers_in_a_slider_are_not_the_article_s():
    teasers = ('<div class="opinion-slider"><div class="slide"><span class="teaser__author">'
               'Manfred Prisching</span></div><div class="slide"><span class="teaser__author">'
               'Brigitte Quint</span></div></div>')
    tree = load_html(page_html(before=teasers + '<span class="author-name">Ursula Baatz</span>'))
    assert bylines.from_page(tree) == ("Ursula Baatz",)


def test_commenters_are_not_the_authors_but_the_author_commenting_is():
    comments = ('<section id="comments" class="comments-area"><ol class="comment-list">'
                '<li class="comment"><div class="comment-author vcard">Kersti Wolnow sagt:</div>'
                '<p>Wir leben in Zeiten</p></li>{}</ol></section>')
    by_author = ('<li class="comment bypostauthor"><div class="comment-author vcard">Boris Kaiser</div>'
                 '<p>Danke für die vielen Rückmeldungen zu diesem Text; ich antworte gern auf jede '
                 'Frage.</p></li>')
    page = page_html().replace("</article>", "</article>{}")
    assert bylines.from_page(load_html(page.format(comments.format("")))) == ()
    assert bylines.from_page(load_html(page.format(comments.format(by_author)))) == ("Boris Kaiser",)
    reply = '<ul class="children"><li class="comment"><div class="comment-author">Maria Hm</div></li></ul>'
    under_the_author = by_author.replace("</li>", f"{reply}</li>").replace("Boris Kaiser", "admin")
    assert bylines.from_page(load_html(page.format(comments.format(under_the_author)))) == ()
    assert bylines.clean("Rolf Buckpesch 29.07.2020 // 12:56") == ("Rolf Buckpesch",)


@pytest.mark.parametrize("signature, names", [
    ("<p><b><i>Stefan Wasmer</i></b></p>", ("Stefan Wasmer",)),
    ('<p class="clearfix"><strong>Marina Mucha</strong></p>', ("Marina Mucha",)),
    ('<p align="right"><em>Denis Clerc</em></p>', ("Denis Clerc",)),
    ("<p>Benni<br>10. September 2017</p>", ("Benni",)),
    ("<p>Stefan Wasmer</p>", ()),  # a plain last line may be anything: not set apart, not read
    ("<p><b>Weitere Informationen</b></p>", ()),  # set apart, but no name as printed
])
def test_a_signature_set_apart_under_the_article_signs_it(signature, names):
    html = page_html().replace("</article>", f"{signature}</article>")
    assert fields(html).authors == names


@pytest.mark.parametrize("byline, names", [
    ("Ben Silverman, Games Editor", ("Ben Silverman",)),
    ("Ben Silverman Games Editor", ("Ben Silverman",)),
    ("Harald Bauer Autor", ("Harald Bauer",)),
    ("Korrespondentin Anna Meier", ("Anna Meier",)),
    ("Brenda Goodman, MA", ("Brenda Goodman",)),
    ("Staff Writer", ()),
    ("Contributors to Wikimedia projects", ("Contributors to Wikimedia projects",)),
])
def test_roles_and_degrees_around_a_name_are_not_the_name(byline, names):
    assert bylines.clean(byline) == names


@pytest.mark.parametrize("byline, names", [
    ("Joshua Sokol May", ("Joshua Sokol",)),  # trafilatura keeps the month of "May 2, 2016"
    ("Theresa May", ("Theresa May",)),
    ("Nathan Willis March", ("Nathan Willis",)),
    ("Aleš Vávra před", ("Aleš Vávra",)),
    ("Johanna Kropfitsch Alle Artikel", ("Johanna Kropfitsch",)),
    ("Matthew Davis, 4 min", ("Matthew Davis",)),
    ("Jacobo Betancur Peláez, Publicado hace 3 horas", ("Jacobo Betancur Peláez",)),
    ("Isabel Caro, Rocío Latorre y José Miguel Wilson Tiempo de lectura",
     ("Isabel Caro", "Rocío Latorre", "José Miguel Wilson")),
    ("Rob Ewaschuk Edited by Betsy Beyer", ("Rob Ewaschuk",)),
    ("© Kathrin Führes", ("Kathrin Führes",)),
    ("Posted on March 3, 2024 by Adi Tzlil", ("Adi Tzlil",)),
])
def test_dates_times_and_what_is_printed_beside_a_name_are_taken_off(byline, names):
    assert bylines.clean(byline) == names


@pytest.mark.parametrize("byline", ["Veröffentlicht", "Von", "Username", "Datum", "Artikel von:", "@NatGeoUK",
                                    "it was already too late", "Facebook", "+49 030 5683 8000 60", "V."])
def test_labels_handles_sentences_and_numbers_are_not_names(byline):
    assert bylines.clean(byline) == ()


@pytest.mark.parametrize("byline", ["Hecho en Bolivia con Drupal por Smartica",
                                    "Peter Amende; Fuchsy designed", "Powered by WordPress",
                                    "Webdesign: Muster GmbH"])
def test_who_built_the_site_did_not_write_the_article(byline):
    assert bylines.clean(byline) == ()


def test_a_forum_post_s_byline_run_together_with_its_marks():
    assert bylines.clean("Beitragvon r23 »") == ("r23",)
    assert bylines.clean("« Jane Doe »") == ("Jane Doe",)


@pytest.mark.parametrize("byline, names", [
    ("Artikel von: hausinfo", ("hausinfo",)),
    ("Eingestellt von Weinlachgummi", ("Weinlachgummi",)),
    ("Publié par Unknown", ()),
    ("von Roland Brockmann", ("Roland Brockmann",)),
    ("Hanns-Seidel-Stiftung e. V.", ("Hanns-Seidel-Stiftung e. V.",)),
    ("Peter Maahn/SP-X", ("Peter Maahn",)),  # the agency goes with a person
    ("dpa/lno", ("dpa/lno",)),  # two agencies' one credit
    ("Redacci&amp;oacute;n Diario Pagina Siete", ("Redacción Diario Pagina Siete",)),
    ("Redaktion", ("Redaktion",)),  # an organisation that is the only byline stays
    ("Michael Rädel; Redaktion", ("Michael Rädel",)),
])
def test_lead_ins_agencies_and_organisations(byline, names):
    assert bylines.clean(byline) == names


def test_an_organisation_is_known_by_its_words_by_being_an_acronym_or_by_being_the_site():
    site = bylines.Site.of("https://www.badische-zeitung.de/wohnungssuche", "BZ", "Badischer Verlag")
    assert bylines.is_organisation("Deutscher Caritasverband")
    assert bylines.is_organisation("AFP") and not bylines.is_organisation("Nils")
    assert bylines.is_organisation("Badische Zeitung", site)
    assert not bylines.is_organisation("Lisa Petrich", site)
    assert bylines.is_organisation("Makronom", bylines.Site.of("https://makronom.de/x"))
    philly = bylines.Site.of("https://www.phillyvoice.com/sixers")
    assert philly.without("Adam Aaronson PhillyVoice") == "Adam Aaronson"


def test_a_domain_written_as_words_is_the_site_not_a_person():
    assert bylines.is_organisation("Kleinblog De") and bylines.is_organisation("Nordnews com")
    assert not bylines.is_organisation("Ana De Armas")
    assert bylines.choose((), (), ("Kleinblog De",), printed=("k1eini",)) == ("k1eini",)


def test_a_person_named_by_any_source_beats_an_organisation_named_by_a_better_one():
    site = bylines.Site.of("https://www.lopinion.fr/economie/glyphosate")
    assert bylines.choose(("L'Opinion",), (), (), printed=("Emmanuelle Ducros",), site=site) == (
        "Emmanuelle Ducros",)
    assert bylines.choose(("Reuters",), (), ("Reuters",)) == ("Reuters",)  # no person: the agency
    assert bylines.choose((), ("Digitalcourage",), ("Leena Simon",),
                          site=bylines.Site.of("https://digitalcourage.de/blog")) == ("Leena Simon",)


def test_a_source_naming_co_authors_widens_the_one_author_of_the_article_object_but_the_printed_line_not():
    assert bylines.choose(("Sadhbh O'Sullivan",), ("Sadhbh O'Sullivan", "Elisabeth Kochan")) == (
        "Sadhbh O'Sullivan", "Elisabeth Kochan")
    assert bylines.choose(("Alex Durán",), (), printed=("Alex Durán", "AMP Project Marketing", "Google")) == (
        "Alex Durán",)


def test_a_user_name_is_replaced_by_the_same_letters_as_another_source_prints_them():
    assert bylines.choose(("arianschlichenmayer",), (), (), printed=("Arian Schlichenmayer",)) == (
        "Arian Schlichenmayer",)
    assert bylines.choose(("edilson.la.rosa",), ("Edilson La Rosa",)) == ("Edilson La Rosa",)
    assert bylines.choose(("uriebe",)) == ("uriebe",)  # nothing better: the user name stands


def test_a_first_name_alone_is_completed_from_another_source_and_an_agency_beside_a_person_goes():
    assert bylines.choose(("Todd",), (), (), printed=("Todd Bates",)) == ("Todd Bates",)
    assert bylines.choose(("Aureliana",), printed=("Aureliana · in Gefühle",)) == ("Aureliana",)
    assert bylines.clean("David Hutzler, dpa") == ("David Hutzler",)
    assert bylines.clean("Deutsche Welle; Kossivi Tiassou") == ("Kossivi Tiassou",)


def test_a_cut_off_user_name_or_an_editors_shorthand_is_completed_from_another_source():
    assert bylines.choose((), (), ("Kay",), printed=("Kay2000",)) == ("Kay2000",)
    assert bylines.choose(("zab/dpa",), (), ("Zab",)) == ("zab/dpa",)
    assert bylines.choose(("Kay",), printed=("Kay Berg", "Kay2000")) == ("Kay",)  # two ways: unsure


def test_whom_a_story_is_credited_to_counts_only_when_nobody_signs_it():
    story = "Kiel (dpa/lno) – " + STORY
    assert bylines.credited(None, story) == ("dpa/lno",)
    assert bylines.credited(None, "WASHINGTON (AP) — " + STORY) == ("AP",)
    assert bylines.credited(None, "Kiel (Foto: privat) – " + STORY) == ()
    assert bylines.credited(None, "The talks (which began in May) – went on") == ()
    credit = "<html><body><p>{}</p><p>Quelle:</p><p>{}</p></body></html>"
    assert bylines.credited(load_html(credit.format(STORY, "nordpress")), STORY) == ("nordpress",)
    assert bylines.credited(load_html(credit.format(STORY, "NDR Info/ab")), STORY) == ("NDR Info/ab",)
    assert bylines.credited(load_html(credit.format(STORY, "Jana Pohl")), STORY) == ()  # a picture's
    assert fields(page_html(story=story)).authors == ("dpa/lno",)
    assert fields(page_html(after="<p>Von Anna Meier</p>", story=story)).authors == ("Anna Meier",)


def test_the_sites_own_name_gives_way_to_the_agency_or_newsroom_a_story_is_credited_to():
    site = bylines.Site.of("https://www.nordfunk.de/nachrichten/x")
    assert bylines.choose(("nordfunk.de",), site=site, credited=("NDR Info/ab",)) == ("NDR Info/ab",)
    assert bylines.choose(("Reuters",), site=site, credited=("dpa",)) == ("Reuters",)
    assert bylines.clean("NDR Info/ab") == ("NDR Info/ab",) and bylines.is_organisation("NDR Info/ab")


def test_soft_hyphens_and_gendered_lead_ins_are_not_part_of_a_name():
    assert bylines.clean("Mat\xadthi\xadas Lauerer") == ("Matthias Lauerer",)
    assert bylines.clean("AUTOR/IN Julius Richter") == ("Julius Richter",)


@pytest.mark.parametrize("byline, names", [
    ("Jörg Staff", ("Jörg Staff",)),  # a role word after one name is a surname
    ("Rasender Reporter", ("Rasender Reporter",)),  # ... or a pen name
    ("Lena Vogt Staff Writer", ("Lena Vogt",)),
    ("RATGEBER-Experte Paul Winkler", ("Paul Winkler",)),  # a compound role before the name
    ("Rechtsanwältin Mara Holt", ("Mara Holt",)),
    ("Rechtsanwalt", ()),
    ("Autorin: Uta Berg, Leiterin des Büros in Tunis", ("Uta Berg",)),  # a description after the name
    ("Anna Meier, Ole von der Au", ("Anna Meier", "Ole von der Au")),
    ("Eine Kolumne von Tim Berger", ("Tim Berger",)),
    ("Blog Beitrag von Ida Sommer", ("Ida Sommer",)),
    ("Erstellt von Hubert", ("Hubert",)),
])
def test_a_role_is_a_role_only_beside_a_full_name_and_column_lead_ins_are_lead_ins(byline, names):
    assert bylines.clean(byline) == names


def test_trafilaturas_byline_is_passed_over_when_it_read_a_comment_or_broke_the_letters():
    assert bylines.from_trafilatura("Carl Webb says") == ()
    assert bylines.from_trafilatura("Janedoe Said; On May 3") == ()
    assert bylines.from_trafilatura("Redacci; Oacute; N Diario Norte") == ()
    assert bylines.from_trafilatura("Jane Doe; John Roe") == ("Jane Doe", "John Roe")
    comment = "</p><div class='comment'><span class='author'>Carl Webb says</span><p>Great!</p></div><p>"
    commented = page_html(after="<p>By Nora Lind</p>", story=STORY + comment)
    assert extract.extract_document(commented)["author"] == "Carl Webb says"  # trafilatura's reading
    assert fields(commented).authors == ("Nora Lind",)


def test_trafilaturas_byline_is_written_as_the_page_prints_it():
    tree = load_html(page_html(after="<p class='meta'>Posted by T. V. Raman</p><p>Herr_Rein schreibt</p>"))
    assert bylines.as_printed(("T V Raman", "Herr Rein", "Jane Doe"), tree) == (
        "T. V. Raman", "Herr_Rein", "Jane Doe")


def test_meta_tags_are_read_in_order_of_trust_and_a_property_may_name_several_keys():
    tree = load_html(page_html(head='<meta name="author" content="Meta name author">'
                                    '<meta property="dc:creator" content="Dublin Core author">'))
    assert bylines.from_meta(tree) == ("Dublin Core author",)
    tree = load_html(page_html(head='<meta property="dc:creator twitter:site_name" content="Creator Name">'
                                    '<meta name="author" content="FAIL">'))
    assert bylines.from_meta(tree) == ("Creator Name",)


@pytest.mark.parametrize("after, names", [
    ("<p>von <em>Klaus Stanjek</em></p>", ("Klaus Stanjek",)),
    ("<p><span>Autor:</span> Fritz Imhof</p>", ("Fritz Imhof",)),
    ("<p><strong>Ein Artikel von Pamela Sladky | 27.01.2022 - 12:45</strong></p>", ("Pamela Sladky",)),
    ("<p><em>Text von Christian Seiler Illustration von Markus Roost</em></p>", ("Christian Seiler",)),
    ("<div class='dates_auteurs'><span class='auteurs'>par Didier Roy, 21 juin 2018</span></div>",
     ("Didier Roy",)),
    ("<p>Erstellt von <a>Fabian</a> am Dienstag, 6. Mai 2014</p>", ("Fabian",)),
    ("<p>Geschrieben von</p><p>Nele Brandt</p>", ("Nele Brandt",)),
])
def test_bylines_printed_the_ways_newsrooms_print_them_are_read(after, names):
    assert bylines.from_page(load_html(page_html(after=after))) == names


def test_a_signed_line_anywhere_is_read_when_nothing_else_names_anyone():
    page = ("<html><body><div class='teaser'><h5><em>Von Leonora Holling</em></h5></div>"
            f"<p>{STORY}</p><p>By the way, the talks went on.</p></body></html>")
    assert bylines.from_page(load_html(page)) == ("Leonora Holling",)
    unsigned = f"<html><body><p>{STORY}</p><p>By the way, the talks went on.</p></body></html>"
    assert bylines.from_page(load_html(unsigned)) == ()


def test_the_byline_printed_under_the_headline_is_believed_before_the_meta_tags_and_trafilatura():
    owner = '<meta name="author" content="Site Owner">'
    html = page_html(head=owner, after="<p>Autor:</p><p>Lina Kraus</p>")
    assert fields(html).authors == ("Lina Kraus",)
    declared = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jo Declared"}})
    assert fields(page_html(head=declared + owner, after="<p>Von Lina Kraus</p>")).authors == ("Jo Declared",)
    # a line that only starts like a byline is not believed over the tags: "Von Risiken und Nebenwirkungen"
    assert fields(page_html(head=owner, after="<p>Von Risiken und Nebenwirkungen</p>")).authors == (
        "Site Owner",)
    assert bylines.as_signed(("Lina Kraus", "Tom Ek")) == ("Lina Kraus", "Tom Ek")
    assert bylines.as_signed(("le passé", "gardent")) == () and bylines.as_signed(("Lina Kraus AG",)) == ()
    assert bylines.as_signed(("Juan de la Vega",)) == ("Juan de la Vega",)  # particles are lower-case
    assert bylines.as_signed(("Konstantin",)) == ("Konstantin",)  # a blogger signs with a first name
    assert bylines.as_signed(("Risiken", "Nebenwirkungen")) == () and bylines.as_signed(("uriebe",)) == ()


def test_a_day_of_the_week_printed_before_the_date_is_not_a_name():
    assert bylines.clean("Donnerstag") == () and bylines.clean("Thursday, 4 March 2021") == ()


def test_a_columnists_label_is_a_byline():
    page = page_html(after="<p>Kolumnist*in:</p><p>Sam Rehm</p><p>von Sam Rehm und Ole Lind</p>")
    assert bylines.from_page(load_html(page)) == ("Sam Rehm",)


def test_a_dateline_with_a_name_after_it_is_a_byline():
    def printed(line: str) -> tuple[str, ...]:
        return bylines.from_page(load_html(page_html(after=f"<p>{line}</p>")))
    assert printed("03.02.2021 - Lotte Berger") == ("Lotte Berger",)
    assert printed("03.02.2021 - neue Regeln ab Montag") == ()


@pytest.mark.parametrize("signature, names", [
    ("<footer><span>Autor:</span> <a>Pia Kranz</a></footer>", ("Pia Kranz",)),
    ("<div><b>Autor</b><span>Rechtsanwalt</span><a>Jan Berg</a></div>", ("Jan Berg",)),  # a role between
    ("<p>12. Mai 2020 // Autor: <a>x7kat</a></p>", ("x7kat",)),  # a user name after the label
    ("<div><span>Von:</span><a>Götz Sander</a></div>", ("Götz Sander",)),
    ("<div><span>| By</span><a>Cora Sterling</a></div>", ("Cora Sterling",)),
    ("<div><span>Published By</span><a>Ines Holm</a></div>", ("Ines Holm",)),
])
def test_a_label_printed_apart_from_the_name_signs_the_page(signature, names):
    page = f"<html><body><h2>Talks resume</h2><p>{STORY}</p>{signature}</body></html>"
    assert bylines.from_page(load_html(page)) == names


@pytest.mark.parametrize("unsigned", [
    "<nav><a>Home</a><a>Autoren</a><a>Kontakt</a></nav>",  # a menu's entry is no label
    "<nav><a>Autor</a><a>Wer schreibt hier?</a></nav>",  # nor is a question a name
    "<p>CC BY-SA</p><span>by</span><a>Rolf Amann</a>",  # a licence's owner
    "<span>by</span><a>the way</a>",
])
def test_what_only_looks_like_a_label_does_not_sign_the_page(unsigned):
    page = f"<html><body><h2>Talks resume</h2><p>{STORY}</p>{unsigned}</body></html>"
    assert bylines.from_page(load_html(page)) == ()


def test_an_organisation_printed_as_the_byline_gives_way_to_a_person_signing_elsewhere():
    page = page_html(after="<p>By The Daily Planet</p>", story=STORY + "</p><p>Written by:</p><p>Mia Lund")
    assert bylines.from_page(load_html(page)) == ("Mia Lund",)
    alone = page_html(after="<p>By The Daily Planet</p>")
    assert bylines.from_page(load_html(alone)) == ("The Daily Planet",)


def test_the_gold_parser_reads_the_gold_as_written():
    assert extract_eval.gold_authors("GLEN OWEN AND BRENDAN CARLIN") == ("brendan carlin", "glen owen")
    assert extract_eval.gold_authors("Brenda Goodman, MA") == ("brenda goodman",)
    assert extract_eval.gold_authors("ET Online") == ("et online",)
    assert extract_eval.gold_authors(["Anna Meier", "Jonas Roth und Eva Berg"]) == (
        "anna meier", "eva berg", "jonas roth")


# -- body -------------------------------------------------------------------------------------------

def test_pointers_to_other_stories_and_calls_to_subscribe_are_not_the_story():
    text = "\n".join([
        "The talks resumed on Tuesday.", "Read more: Ukraine's drone war explained",
        "Lea también: Las negociaciones en Ginebra", "Lesen Sie auch: Was Europa fordert",
        "Sign up for our newsletter to get the top stories", "The envoys will meet again next week.",
        "Read more about the history of ceasefires in a long paragraph that goes on " + "and on " * 40])
    kept = boilerplate.strip(text).split("\n")
    assert kept == ["The talks resumed on Tuesday.", "The envoys will meet again next week.", kept[-1]]
    assert kept[-1].startswith("Read more about the history")


def test_utf8_with_a_few_broken_bytes_stays_utf8():
    body = ("<p>" + "Gespräche über die Waffenruhe in Kyjiw und Genf. " * 200 + "</p>").encode() + b"\xc3("
    text, encoding = charset.decode_html(body, None)
    assert encoding == "utf-8" and "Gespräche über" in text


# -- the evaluation ---------------------------------------------------------------------------------

@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A miniature of the shared corpora: two snippet pages and one expected-text page."""
    te = tmp_path / "trafilatura-eval"
    (te / "eval").mkdir(parents=True)
    news = page_html(head='<meta property="article:published_time" content="2024-03-02T09:30:00+02:00">'
                          + '<meta name="author" content="Jane Doe">',
                     after="<p>Read more: another story</p>")
    (te / "eval" / "news.html").write_text(news)
    (te / "eval" / "shop.html").write_text(page_html(story="Buy the blue kettle today. " * 30))
    rows = [
        {"path": "eval/news.html", "url": "https://news.example.org/a", "with": ["Negotiators met again"],
         "without": ["Imprint", "Read more: another story"], "date": "2024-03-02", "author": "Jane Doe",
         "title": "Talks resume in Geneva"},
        {"path": "eval/shop.html", "url": "https://shop.example.org/k", "with": ["blue kettle"],
         "without": ["Home"]},
    ]
    (te / "ground_truth.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    page = tmp_path / "mozilla-readability" / "pages" / "wire-1"
    page.mkdir(parents=True)
    (page / "source.html").write_text(news)
    (page / "expected.html").write_text(
        f"<div><h1>Talks resume in Geneva</h1><p>{STORY}</p><p>{MORE}</p></div>")
    (page / "expected-metadata.json").write_text(json.dumps(
        {"title": "Talks resume", "byline": "By Jane Doe", "publishedTime": "2024-03-02T09:30:00+02:00"}))
    return tmp_path


LABELS = {("trafilatura-eval", "eval/news.html"): True, ("trafilatura-eval", "eval/shop.html"): False,
          ("mozilla-readability", "wire-1"): True}


def test_the_evaluation_scores_both_extractors_on_the_same_pages(corpus):
    cases = extract_eval.load_cases(corpus, LABELS)
    assert [c.page for c in cases] == ["eval/news.html", "eval/shop.html", "wire-1"]
    table = extract_eval.score(extract_eval.run(cases))
    mine, bare = table[("trafilatura-eval news", "newsflow")], table[("trafilatura-eval news", "trafilatura")]
    assert (mine.tp, mine.fp, mine.fn) == (1, 0, 0)  # the read-more line is gone
    assert (bare.tp, bare.fp) == (1, 1)  # bare trafilatura keeps it
    assert mine.day == [True] and mine.authors == [True]
    wire = table[("mozilla-readability news", "newsflow")]
    assert wire.body_f1 is not None and wire.body_f1 > 0.9 and wire.day == [True]
    assert table[("news (both sets)", "newsflow")].body_f1 is None  # two measures are not averaged


def test_scores_count_what_they_say():
    case = extract_eval.Case("trafilatura-eval", "p", "u", Path("p"), True,
                             with_=("a b", "c"), without=("x",))
    assert extract_eval.snippet_counts("A  B\nx", case) == (1, 1, 1)
    assert extract_eval.token_f1("中国 talks", "中国 talks") == 1.0
    assert extract_eval.token_f1("中国", "中文") == pytest.approx(0.5)
    assert extract_eval.gold_authors(["Jane Doe", "John Roe"]) == \
        extract_eval.gold_authors("John Roe und Jane Doe")


def test_eval_extract_prints_the_table_and_writes_figures(corpus, tmp_path):
    out = tmp_path / "figures.json"
    result = CliRunner().invoke(app, ["eval-extract", "--corpus", str(corpus), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "trafilatura-eval" in result.output and "newsflow" in result.output
    figures = json.loads(out.read_text())
    assert figures["trafilatura-eval"]["newsflow"]["pages"] == 2
    assert figures["trafilatura-eval"]["trafilatura"]["day_pages"] == 1


def test_eval_extract_names_a_missing_corpus(tmp_path):
    result = CliRunner().invoke(app, ["eval-extract", "--corpus", str(tmp_path / "nowhere")])
    assert result.exit_code != 0 and "nowhere" in result.output


def test_the_news_labels_cover_both_sets_once():
    labels = extract_eval.read_labels()
    assert len(labels) == 1120
    assert sum(labels.values()) == 495
    second = extract_eval.read_labels(extract_eval.LABELS.with_name("news-pages-second.tsv"))
    assert len(second) == 112 and set(second) <= set(labels)


def test_the_feed_date_stands_when_the_page_gives_none():
    feed_date = datetime(2025, 6, 1, 8, 15, tzinfo=UTC)
    f = fields(page_html(), url="https://news.example.org/world/talks", feed_date=feed_date,
               fetched_at=feed_date + timedelta(hours=1))
    assert (f.published, f.date_source) == (feed_date, "feed")
    assert f.published_zone is None  # feedparser hands over UTC: the feed's own offset is unknown


def test_the_dates_are_read_around_the_headline_the_title_names_not_the_sites_logo():
    logo = "<h1><a href='/'>Deutschlandfunk</a></h1><span>Mittwoch, 26.02.2020</span><nav>Politik</nav>"
    html = (f"<html><head><title>Die Zukunft der Arbeit - Deutschlandfunk</title></head><body>{logo}"
            f"<article><h1>Die Zukunft der Arbeit</h1><span>01.05.2017</span><p>{STORY}</p></article>"
            "</body></html>")
    f = fields(html)
    assert f.date_source == "visible" and f.published is not None
    assert f.published.date().isoformat() == "2017-05-01"
    tree = load_html("<html><head><title>KBS WORLD | Cold wave alert</title></head><body><h1>KBS WORLD</h1>"
                     "<h1>Cold wave alert</h1></body></html>")
    found = headline.titled(tree)
    assert found is not None and found.text_content() == "Cold wave alert"  # most words shared wins
    marked = load_html("<html><body><h3 itemprop='headline'>Mit Hund im Winter</h3><time>27.01.2022</time>"
                       "</body></html>")
    assert pagedates.visible_date(marked) == datetime(2022, 1, 27, tzinfo=UTC)  # no <h1>: the marked headline


def test_the_publication_date_printed_beside_the_last_change_is_the_dateline():
    html = page_html(after="<p class='entry-meta'><time class='updated' datetime='2019-02-09T23:00:55+01:00'>"
                           "9. Februar 2019</time><time class='entry-date published' "
                           "datetime='2019-02-10T09:30:10+01:00'>10. Februar 2019</time></p>")
    f = fields(html)
    assert f.published is not None and f.published.date().isoformat() == "2019-02-10"
    alone = page_html(after="<p><span class='entry-meta-date updated'>September 17, 2019</span></p>")
    f = fields(alone)  # a theme's only date, marked "updated", is the dateline
    assert f.published is not None and f.published.date().isoformat() == "2019-09-17"
    machine = page_html(after="<p><span class='updated rich-snippet-hidden'>2022-12-07T10:10:52+01:00</span>"
                              "<span>25. Dezember 2022</span></p>")
    assert pagedates.visible_date(load_html(machine)) == datetime(2022, 12, 25, tzinfo=UTC)


@pytest.mark.parametrize("line, day", [
    ("Swantje Schemmerling | 06.11.23", "2023-11-06"),
    ("04.05.20 14:50", "2020-05-04"),
    ("iOS 13.1.2", None),
    ("Version 2.10.1234", None),
])
def test_two_digit_years_are_read_day_first(line, day):
    found = pagedates.written_date(line)
    assert (found.date().isoformat() if found else None) == day


def test_a_date_that_reads_both_ways_is_read_as_the_page_declares_it():
    declared = '<meta property="article:published_time" content="2021-11-01T04:00:14Z">'
    f = fields(page_html(head=declared, after="<p><span>11/01/2021</span></p>"))
    assert f.date_source == "visible" and f.published is not None
    assert f.published.date().isoformat() == "2021-11-01"
    f = fields(page_html(after="<p><span>11/01/2021</span></p>"))  # nothing declared: day first
    assert f.published is not None and f.published.date().isoformat() == "2021-01-11"
    german = '<meta property="article:published_time" content="2022-10-12T07:00:03Z">'
    f = fields(page_html(head=german, after="<p><span>10.12.2022</span></p>"))  # dotted, full year: day first
    assert f.published is not None and f.published.date().isoformat() == "2022-12-10"


def test_a_relative_dateline_is_the_dateline_and_no_farther_date_stands_in_for_it():
    sidebar = "<aside><a href='/x'>Klinikalltag in GIFs</a><span>22. Oktober 2018</span></aside>"
    html = page_html(head='<meta property="article:published_time" content="2019-10-01">', before=sidebar,
                     after="<p><span>vor 4 Monaten</span> · 1 Min</p>")
    f = fields(html)
    assert f.date_source == "meta" and f.published is not None
    assert f.published.date().isoformat() == "2019-10-01"


@pytest.mark.parametrize("opening, day", [
    ("29.11.2022 – Mehrfach und vehement hatte die Branche die Nachteile des Gesetzes genannt", "2022-11-29"),
    ("(21. November 2022) Energieverbraucher erhalten eine Preiserhöhung nach der nächsten.", "2022-11-21"),
    ("Bern, 17.08.2007 - Rede von Moritz Leuenberger beim SP-Städtegipfel, 18. August 2007", "2007-08-17"),
])
def test_a_date_opening_the_first_paragraph_is_a_dateline(opening, day):
    f = fields(page_html(after=f"<p>{opening} {STORY[:200]}</p>"))
    assert f.date_source == "visible" and f.published is not None
    assert f.published.date().isoformat() == day


def test_a_date_the_page_labels_as_its_publication_comes_after_the_declared_ones():
    footer = ("<p class='footer'>Letzte Änderung: 31.10.2023 - 14:49:39<br>Erschienen am: 01.11.2023<br>"
              "Lesungen: 61</p>")
    f = fields(page_html(story=STORY + "</p><p>" + MORE + footer))
    assert (f.date_source, f.published and f.published.date().isoformat()) == ("labelled", "2023-11-01")
    next_text = "<p><span class='aural'>Erschienen am</span> <time>26. Jan 2022</time></p>"
    labelled = pagedates.labelled_date(load_html(page_html(story=STORY + next_text)))
    assert labelled == datetime(2022, 1, 26, tzinfo=UTC)
    changed = "<div><label>Letzte Änderung:</label><div>14.01.2022 um 09:25</div>"
    labelled = pagedates.labelled_date(load_html(page_html(story=STORY + changed)))
    assert labelled == datetime(2022, 1, 14, tzinfo=UTC)  # no publication label: the last change
    declared = page_html(head=ld({"@type": "NewsArticle", "datePublished": "2023-10-30T08:00:00+01:00"}),
                         story=STORY + footer)
    assert fields(declared).date_source == "jsonld"


def test_a_labelled_date_is_looked_for_only_where_it_could_be_chosen():
    footer = "<p class='footer'>Erschienen am: 01.11.2023</p>"
    html = page_html(head=ld({"@type": "NewsArticle", "datePublished": "2023-10-30T08:00:00+01:00"}),
                     story=STORY + "</p><p>" + footer)
    tree = load_html(html)
    article = jsonld.article(jsonld.objects(tree))
    sources = [c.source for c in pagedates.candidates(tree, None, article=article)]
    assert "jsonld" in sources and "labelled" not in sources  # outranked: its search is skipped
    # a declared date after the fetch cannot be chosen, so the labelled one is looked for and wins
    fetched = datetime(2023, 11, 2, tzinfo=UTC)
    late = page_html(head=ld({"@type": "NewsArticle", "datePublished": "2023-11-20T08:00:00+01:00"}),
                     story=STORY + "</p><p>" + footer)
    f = fields(late, fetched_at=fetched)
    assert (f.date_source, f.published and f.published.date().isoformat()) == ("labelled", "2023-11-01")


def test_a_timestamp_in_utc_gives_way_to_the_same_instant_in_the_publishers_offset():
    html = page_html(head=ld({"@type": "NewsArticle", "datePublished": "2017-02-24T01:18:13+00:00"})
                     + '<meta property="article:published_time" content="2017-02-23T17:18:13-08:00">')
    f = fields(html)
    assert f.date_source == "jsonld" and f.published_zone == "-08:00"
    assert f.published is not None and f.published.date().isoformat() == "2017-02-23"
    assert f.published == datetime(2017, 2, 24, 1, 18, 13, tzinfo=UTC)  # the same instant


def test_a_date_without_a_time_claims_no_zone():
    f = fields(page_html(after="<p>18. Februar 2009</p>"))
    assert (f.date_source, f.published_zone) == ("visible", None)


def test_the_text_around_the_headline_is_what_a_reader_sees_nearest_first():
    page = load_html("<html><body><nav>Home</nav><p>Kyiv bureau</p><script>var by = 'x';</script>"
                     "<h1>Talks resume</h1><p>By <b>Jane  Doe</b></p><style>p{}</style>"
                     "<noscript>Enable JS</noscript><p>3 March 2026</p></body></html>")
    assert list(headline.after(page)) == ["By", "Jane Doe", "3 March 2026"]
    assert list(headline.before(page)) == ["Kyiv bureau", "Home"]
    assert list(headline.after(load_html("<html><body><p>No headline</p></body></html>"))) == []
    assert list(headline.before(None)) == []
