"""The HTML report: the listing laid out as the Marketplace shows it, to look at before upload.

One self-contained page: the logo, the banner, each highlight beside its cropped version, the
screenshots and every other image, each with its type, real size, the sizes its type accepts
and its verdict; then every finding, grouped by file, with its fix, as in the text report.

The page loads nothing: thumbnails are ``data:`` URIs, the style and the one small script are
inline, and its Content-Security-Policy allows only those (by hash), so a hostile file name can
neither run code nor reach the network. Every text is escaped. The script only marks a
thumbnail that failed to display, and notes on the root element how many images loaded.
"""

from __future__ import annotations

import base64
import hashlib
import html

from assetcheck import __version__
from assetcheck.findings import Finding, Severity
from assetcheck.listing import HighlightPair, ListedImage, Listing, Page, build_page
from assetcheck.report.json_report import image_types_version
from assetcheck.report.model import FileReport, RenderContext, Report, Summary
from assetcheck.report.text import describe, summary_line

STYLE = """
:root{--ink:#172b4d;--muted:#5e6c84;--line:#dfe1e6;--bg:#f4f5f7;--card:#fff;--ok:#006644;
--ok-bg:#e3fcef;--bad:#bf2600;--bad-bg:#ffebe6;--warn:#974f0c;--warn-bg:#fffae6;--info:#0747a6;
--info-bg:#deebff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header.page{background:#0747a6;color:#fff;padding:20px 32px}
header.page h1{margin:0 0 4px;font-size:22px;font-weight:600}
header.page p{margin:0;opacity:.9}
main{max-width:1280px;margin:0 auto;padding:16px 32px 48px}
h2{font-size:20px;margin:28px 0 4px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
margin:22px 0 8px}
section.listing{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:4px 24px 24px;margin:20px 0}
.path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.badge{font-size:12px;font-weight:600;border-radius:3px;padding:2px 8px;white-space:nowrap}
.badge.ok{color:var(--ok);background:var(--ok-bg)}
.badge.fail{color:var(--bad);background:var(--bad-bg)}
.badge.error{color:var(--bad);background:var(--bad-bg)}
.badge.warning{color:var(--warn);background:var(--warn-bg)}
.badge.info{color:var(--info);background:var(--info-bg)}
.row{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:16px}
.top{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
.slot h3{margin-top:18px}
.pair{display:flex;gap:16px;flex-wrap:wrap;align-items:stretch;margin-bottom:16px}
.pair .number{font-size:28px;font-weight:700;color:var(--line);width:28px;text-align:right}
.card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;
overflow:hidden;display:flex;flex-direction:column;max-width:100%}
.card.fail{border-color:var(--bad);box-shadow:0 0 0 1px var(--bad)}
.card.logo{width:240px}.card.banner{width:592px}.card.highlight{width:492px}
.card.highlight-cropped{width:322px}.card.screenshot{width:100%}.card.other{width:100%}
.frame{background:repeating-conic-gradient(#f4f5f7 0 25%,#fff 0 50%) 0 0/16px 16px;
display:flex;align-items:center;justify-content:center;padding:12px;min-height:96px;flex:1}
.frame img{max-width:100%;height:auto;display:block;box-shadow:0 1px 3px rgba(9,30,66,.25)}
.none{color:var(--muted);font-style:italic;text-align:center}
.card.broken .frame::after{content:"thumbnail could not be shown";color:var(--bad)}
.card.broken .frame img{display:none}
figcaption{padding:10px 14px 12px;border-top:1px solid var(--line);display:grid;gap:4px}
figcaption .path{font-weight:600}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px;font-size:13px}
dt{color:var(--muted)}dd{margin:0}
.missing{border:2px dashed var(--line);border-radius:6px;color:var(--muted);padding:24px;
text-align:center;display:flex;align-items:center;justify-content:center;min-height:180px}
.missing.logo{width:240px}.missing.banner{width:592px}.missing.highlight{width:492px}
.missing.highlight-cropped{width:322px}
.empty{color:var(--muted);margin:0}
section.findings{margin-top:36px}
.file{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:12px 0;
padding:12px 20px}
.file h3{text-transform:none;letter-spacing:0;font-size:15px;color:var(--ink);margin:4px 0;
display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.file .kind{color:var(--muted);font-weight:400}
ul.findings{list-style:none;margin:8px 0 0;padding:0}
ul.findings li{border-top:1px solid var(--line);padding:8px 0;display:grid;
grid-template-columns:80px 70px 1fr;gap:4px 12px}
ul.findings .badge{justify-self:start;align-self:start}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.where{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}
.fix{grid-column:3;color:var(--muted)}
.fix b{color:var(--ink);font-weight:600}
footer{color:var(--muted);font-size:12px;text-align:center;padding:24px}
"""

# Marks thumbnails that did not display and records, on the root element, how many images
# loaded and what went wrong (errors, blocked loads): a page that looks whole, is whole.
SCRIPT = """
(function () {
  var problems = [];
  addEventListener("error", function (event) {
    var target = event.target;
    problems.push(event.message || "failed to load " + (target && target.tagName));
  }, true);
  document.addEventListener("securitypolicyviolation", function (event) {
    problems.push("blocked " + event.blockedURI + " (" + event.violatedDirective + ")");
  });
  addEventListener("load", function () {
    var images = document.images, loaded = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) {
        loaded++;
      } else {
        images[i].closest(".card").classList.add("broken");
      }
    }
    var root = document.documentElement;
    root.setAttribute("data-images", String(images.length));
    root.setAttribute("data-images-loaded", String(loaded));
    root.setAttribute("data-problems", problems.join("\\n"));
  });
})();
"""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Nothing but the inline style and script, and data: images: no request leaves the page.
CSP = (
    f"default-src 'none'; img-src data:; style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)

# The listing's sections after the logo and banner: (attribute of Listing, heading, card kind).
SECTIONS = (
    ("screenshots", "Screenshots", "screenshot"),
    ("more", "Images of other types (shown by the host product, or uploaded elsewhere)", "other"),
    ("other", "Other images (not referenced as any type)", "other"),
)


def render_html(
    report: Report, *, color: bool = False, context: RenderContext | None = None
) -> str:
    """The page for ``report``; verdicts follow ``context.fail_on``."""
    del color  # the page has its own colours
    context = context or RenderContext()
    page = build_page(report, fail_on=context.fail_on, image_types=context.image_types)
    summary = report.summary()
    parts = [
        "<!DOCTYPE html>\n",
        # The counts on a line of their own, as the text report ends: --output recognises an
        # earlier page by it (summary_line's "(N suppressed)" would not match there).
        f"<!-- assetcheck report\n{_counts_line(summary)}\n-->\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>Listing check: {_e(summary_line(report))}</title>\n",
        f"<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n</head>\n<body>\n",
        _header(report, context),
        "<main>\n",
        *(_listing(listing) for listing in page.listings),
        _artifacts(page),
        _findings(report, context.fail_on),
        "</main>\n",
        "<footer>Made by <code>assetcheck check --format html</code>: nothing on this page "
        "is loaded from anywhere.</footer>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)


def _e(text: object) -> str:
    """``text`` escaped for HTML text and quoted attributes, always encodable as UTF-8."""
    value = str(text)
    try:
        data = value.encode("utf-8", "surrogateescape")  # undecodable file-name bytes
    except UnicodeEncodeError:
        data = value.encode("utf-8", "backslashreplace")
    return html.escape(data.decode("utf-8", "backslashreplace"), quote=True)


def _counts_line(summary: Summary) -> str:
    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return (
        f"Checked {plural(summary.files, 'file')}: {plural(summary.errors, 'error')}, "
        f"{plural(summary.warnings, 'warning')}, {plural(summary.infos, 'info')}."
    )


def _header(report: Report, context: RenderContext) -> str:
    verdict = "fails" if report.fails(context.fail_on) else "passes"
    return (
        '<header class="page">\n<h1>Marketplace listing check</h1>\n'
        f"<p>{_e(summary_line(report))} The run {verdict} (fails on "
        f"{_e(context.fail_on.label)} and above).</p>\n"
        f"<p>assetcheck {_e(__version__)} · image-type table "
        f"{_e(image_types_version(context))}</p>\n</header>\n"
    )


def _badge(passes: bool) -> str:
    return '<span class="badge ok">ok</span>' if passes else '<span class="badge fail">fails</span>'


def _listing(listing: Listing) -> str:
    source = listing.kind == "source"
    title = f'Listing <span class="path">{_e(listing.title)}</span>' if source else "Loose images"
    parts = [f'<section class="listing">\n<h2>{title} {_badge(listing.passes)}</h2>\n']
    if listing.empty:
        parts.append('<p class="empty">No checked images.</p>\n')
    if listing.logo or listing.banner or (source and not listing.empty):
        # A source tree's listing always has these two places: an empty one is worth seeing.
        parts.append('<div class="top">\n')
        parts.append(_group("Logo", listing.logo, "logo", "no logo" if source else None))
        parts.append(_group("Banner", listing.banner, "banner", "no banner" if source else None))
        parts.append("</div>\n")
    if listing.highlights:
        parts.append("<h3>Highlights, each beside its cropped version</h3>\n")
        parts.extend(_pair(number, pair) for number, pair in enumerate(listing.highlights, 1))
    for attribute, heading, kind in SECTIONS:
        images: list[ListedImage] = getattr(listing, attribute)
        if images:
            parts.append(f"<h3>{heading}</h3>\n")
            parts.append('<div class="grid">\n')
            parts.extend(_card(image, kind) for image in images)
            parts.append("</div>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _group(heading: str, images: list[ListedImage], kind: str, missing: str | None) -> str:
    if not images and missing is None:
        return ""
    cards = "".join(_card(image, kind) for image in images)
    if not images:
        cards = f'<div class="missing {kind}">{_e(missing)}</div>'
    return f'<div class="slot">\n<h3>{heading}</h3>\n<div class="row">\n{cards}</div>\n</div>\n'


def _pair(number: int, pair: HighlightPair) -> str:
    full = (
        _card(pair.full, "highlight")
        if pair.full
        else '<div class="missing highlight">no highlight image</div>'
    )
    cropped = (
        _card(pair.cropped, "highlight-cropped")
        if pair.cropped
        else '<div class="missing highlight-cropped">no cropped version</div>'
    )
    return f'<div class="pair">\n<div class="number">{number}</div>\n{full}{cropped}</div>\n'


def _card(image: ListedImage, slot: str) -> str:
    if image.thumbnail is not None:
        thumb = image.thumbnail
        picture = (
            f'<img src="{thumb.data_uri}" width="{thumb.width}" height="{thumb.height}" '
            f'alt="{_e(image.name)}">'
        )
    else:
        picture = f'<p class="none">{_e(image.note or "no thumbnail")}</p>'
    size = f"{image.dimensions[0]}x{image.dimensions[1]}" if image.dimensions else "unknown"
    if image.size is not None:
        size += f" · {image.size:,} bytes"
    codes = _e(", ".join(image.codes))
    if image.passes:
        verdict = '<span class="badge ok">ok</span>' + (
            f' <span class="code">{codes}</span>' if codes else ""
        )
    else:
        verdict = f'<span class="badge fail">failing: {codes}</span>'
    rows = [("Type", _e(", ".join(image.image_types) or "none")), ("Size", _e(size))]
    several = len(image.accepted) > 1
    rows.extend(
        (f"Accepts ({name})" if several else "Accepts", _e(sizes)) for name, sizes in image.accepted
    )
    rows.append(("Verdict", verdict))
    listed = "".join(f"<dt>{_e(name)}</dt><dd>{value}</dd>" for name, value in rows)
    state = "ok" if image.passes else "fail"
    return (
        f'<figure class="card {slot} {state}">\n<div class="frame">{picture}</div>\n'
        f'<figcaption><span class="path">{_e(image.name)}</span><dl>{listed}</dl>'
        "</figcaption>\n</figure>\n"
    )


def _artifacts(page: Page) -> str:
    if not page.artifacts:
        return ""
    items = "".join(
        f'<li><span class="path">{_e(artifact.title)}</span> {_badge(artifact.passes)}</li>\n'
        for artifact in page.artifacts
    )
    return (
        '<section class="listing">\n<h2>Artifacts</h2>\n'
        '<p class="empty">The images inside .jar and .obr files are not shown here; check the '
        "plugin's source tree (src/main/resources) to see them.</p>\n"
        f"<ul>\n{items}</ul>\n</section>\n"
    )


def _findings(report: Report, fail_on: Severity) -> str:
    parts = ['<section class="findings">\n<h2>Findings</h2>\n']
    for file in report.files:
        parts.append(_file(file, fail_on))
    for notice in report.notices:
        parts.append(f'<p class="empty">Note: {_e(notice)}</p>\n')
    for error in report.internal_errors:
        parts.append(f'<p class="empty">Internal error (please report it): {_e(error)}</p>\n')
    parts.append("</section>\n")
    return "".join(parts)


def _file(file: FileReport, fail_on: Severity) -> str:
    active = [f for f in file.findings if f.active]  # suppressed ones are only counted
    suppressed = len(file.findings) - len(active)
    heading = (
        f'<h3><span class="path">{_e(file.path)}</span> '
        f'<span class="kind">({_e(describe(file))})</span> {_badge(file.passes(fail_on))}</h3>\n'
    )
    body = "".join(_finding(finding) for finding in active)
    more = f'<p class="empty">{suppressed:,} suppressed.</p>\n' if suppressed else ""
    listed = f'<ul class="findings">\n{body}</ul>\n' if body else ""
    return f'<div class="file">\n{heading}{listed}{more}</div>\n'


def _finding(finding: Finding) -> str:
    where = finding.entry or ""
    if finding.line is not None:
        where = f"{where}:{finding.line}" if where else f"line {finding.line}"
    location = f'<span class="where">{_e(where)}:</span> ' if where else ""
    fix = f'<span class="fix"><b>fix:</b> {_e(finding.hint)}</span>' if finding.hint else ""
    label = finding.severity.label
    return (
        f'<li><span class="badge {label}">{label}</span>'
        f'<span class="code">{_e(finding.code)}</span>'
        f"<span>{location}{_e(finding.message)}</span>{fix}</li>\n"
    )
