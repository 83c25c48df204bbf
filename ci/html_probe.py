#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Look at krepro's HTML report the way a browser shows it.

    html_probe.py inject PAGE OUT [SUBTEST@COLUMN]...
        copy PAGE to OUT with a script at the end that measures the
        layout (the viewport, how wide the page scrolls, where the last
        kernel column ends) and clicks each named cell (its row's
        data-subtest, the kernel's column from 0), keeping what the
        details panel then says; the results go into <pre id="probe">
    html_probe.py read DOM
        print, as JSON, what a dumped DOM holds: the subtest rows, the
        cells of each, the racy plots, the change list's links and the
        probe's results

Run chromium --headless --dump-dom on OUT in between.  The probe is a
test's own: krepro's page carries no test code.
"""
import json
import sys
from html.parser import HTMLParser

PROBE = """<script>
(function () {
  var heads = document.getElementById('kernels').children, right = 0;
  for (var i = 0; i < heads.length; i++)
    right = Math.max(right, heads[i].getBoundingClientRect().right);
  var result = {width: innerWidth, scroll: document.documentElement.scrollWidth,
                right: right, clicked: {}};
  CLICKS.forEach(function (want) {
    var at = want.split('@'), row = document.querySelector('tr[data-subtest="' + at[0] + '"]');
    var panel = document.getElementById('cell');
    row.querySelectorAll('td')[+at[1]].click();
    result.clicked[want] = panel.hidden ? '' : panel.textContent;
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
</script>
"""


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.plots, self.links, self.probe = [], [], [], None
        self.row = None
        self.in_probe = False
        self.probe_text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-case" in a:
            self.row = {"id": a.get("id"), "name": a["data-case"] + "/" + a["data-subtest"],
                        "cells": []}
            self.rows.append(self.row)
        elif tag == "td" and self.row is not None:
            self.row["cells"].append(a.get("class", ""))
        elif tag == "svg" and "plot" in a.get("class", "").split():
            self.plots.append(a.get("id"))
        elif tag == "a" and a.get("href", "").startswith("#r-"):
            self.links.append(a["href"][1:])
        elif tag == "pre" and a.get("id") == "probe":
            self.in_probe = True

    def handle_endtag(self, tag):
        if tag == "tr":
            self.row = None
        if tag == "pre":
            self.in_probe = False

    def handle_data(self, data):
        if self.in_probe:
            self.probe_text.append(data)


def main():
    if sys.argv[1] == "inject":
        page = open(sys.argv[2]).read()
        script = PROBE.replace("CLICKS", json.dumps(sys.argv[4:]))
        open(sys.argv[3], "w").write(page.replace("</body>", script + "</body>"))
        return
    p = Page()
    p.feed(open(sys.argv[2]).read())
    print(json.dumps({"rows": p.rows, "plots": p.plots, "links": p.links,
                      "probe": json.loads("".join(p.probe_text) or "null")}))


main()
