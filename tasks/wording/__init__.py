"""How the office writes (公文): rendering messages and pages from the jinja2 templates in templates/, a
template's first line its title (render), a text message read back as blocks for its markdown and HTML
layouts (blocks), dates as the office writes them (2017年6月12日, `cn_date`), and its terms and forbidden
spellings (glossary.toml, `glossary`). At the
bottom of tasks/ with identity: it imports no other room, nor models.
"""
