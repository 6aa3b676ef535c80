"""An article's body as the HTML WeChat accepts: Markdown rendered, then everything outside a
safe list removed (scripts, event handlers, iframes, forms). Images are collected so they can be
uploaded (media/uploadimg), and their sources rewritten to WeChat's URLs."""
import markdown
import nh3

TAGS = {"p", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "sup", "sub", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "ul", "ol", "li", "img", "a", "span", "section", "code", "pre",
        "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"img": {"src", "alt"}, "a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def render(body, body_format):
    html = markdown.markdown(body, extensions=["tables", "sane_lists"]) if body_format == "markdown" else body
    return _clean(html, lambda src: src)


def image_sources(html):
    """The `src` of every image in (rendered) `html`, each once, in order."""
    found = []
    _clean(html, lambda src: found.append(src) or src)
    return list(dict.fromkeys(found))


def rewrite_images(html, urls):
    """`html` with each image source replaced by urls[source]."""
    return _clean(html, lambda src: urls.get(src, src))


def _clean(html, on_image):
    def attribute_filter(tag, attribute, value):
        return on_image(value) if tag == "img" and attribute == "src" else value
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=attribute_filter,
                     url_schemes={"http", "https", "data"}, link_rel=None)
