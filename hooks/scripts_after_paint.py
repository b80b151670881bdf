"""Load the scripts at the end of every page once the page's content has been painted.

Not an upstream bug, a cost (issue 9). Material's bundle (114 KB), jupyter.js and, on pages with
math, math.js sit at the end of <body>. Even with `defer` the browser's preload scanner asks for
them while the HTML and the stylesheets are still arriving (on a phone's connection they share
its bandwidth), and deferred scripts run right after parsing: whether the first paragraph was
painted before Material's first long task (its own evaluation and the page's first full style
and layout) was a race, so Lighthouse's largest contentful paint moved between 2.4 and 3.5 s
from one run of the same page to the next.

Here the `<script src>` tags are replaced by one inline loader that inserts them, in their order,
after the first frame that follows the end of parsing has been shown (two `requestAnimationFrame`s,
then a task), or a second after parsing if no frame comes (a hidden tab draws none). Material
starts on `DOMContentLoaded`, which has fired by then, so the loader sends that event once more
when the bundle has run (only Material listens to it: math.js and overrides/main.html's scripts
look at `document.readyState` or `load`). Until then the page is plain HTML and CSS: Material's
header, drawer and search toggles are checkboxes and work without it.
"""

from __future__ import annotations

import json
import re

from mkdocs.plugins import event_priority

SCRIPT_RE = re.compile(r"<script src=\"([^\"]+)\"></script>\n?")
BUNDLE_RE = re.compile(r"/bundle\.[0-9a-f]+\.min\.js$")
LOADER = """<script>(() => {
  // hooks/scripts_after_paint.py: these scripts come once the page's content is painted.
  const sources = %s;
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    for (const src of sources) {
      const script = document.createElement("script");
      script.src = src;
      script.async = false; // run in order, as they were
      if (%s.test(src)) {
        // Material starts on DOMContentLoaded, which has fired
        script.onload = () => document.dispatchEvent(new Event("DOMContentLoaded", { bubbles: true }));
      }
      document.body.append(script);
    }
  };
  const whenParsed = () => {
    // the task after the frame after the next: the next frame, which has the page's content, has
    // then been drawn and shown (the task right after it may still run before it is on screen)
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(start, 0)));
    setTimeout(start, 1000); // a hidden tab draws no frame
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenParsed, { once: true });
  else whenParsed();
})();</script>
"""


def scripts_after_paint(html: str) -> str:
    """The page with its <body>'s external scripts loaded by LOADER, where the first one was."""
    at = html.find("<body")
    if at < 0:
        return html
    body = html[at:]
    sources = SCRIPT_RE.findall(body)
    if not sources:
        return html
    first = SCRIPT_RE.search(body).start()
    body = SCRIPT_RE.sub("", body)
    loader = LOADER % (json.dumps(sources), "/" + BUNDLE_RE.pattern.replace("/", "\\/") + "/")
    return html[:at] + body[:first] + loader + body[first:]


@event_priority(-115)  # after the hooks that add scripts (math_assets.py)
def on_post_page(output, page, config):
    """Load the page's scripts after its first paint."""
    return scripts_after_paint(output)
