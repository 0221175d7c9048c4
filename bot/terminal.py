"""Search results as plain terminal text, shared by `findproject search` and `findproject chat`."""

from __future__ import annotations

from bot.formatting import clean, project_url, truncate
from retrieval.models import SearchResponse


def understood(response: SearchResponse) -> list[str]:
    """The echo of what was understood, then the engine's notes."""
    return [f"Understood: {clean(response.parsed.echo())}", *(f"Note: {clean(n)}" for n in response.notes)]


def results(response: SearchResponse, url_template: str | None = None) -> list[str]:
    """Numbered results (title, date, url, description, tags) and where this page sits;
    ``url_template`` (PROJECT_URL_TEMPLATE) gives a url to projects without one."""
    lines: list[str] = []
    for number, result in enumerate(response.results, start=response.offset + 1):
        project = result.project
        date = f" ({project.created_on:%Y-%m-%d})" if project.created_on else ""
        lines.append(f"{number:>3}. {truncate(project.title, 150)}{date}")
        url = project_url(project.url, project.id, url_template)
        if url:
            lines.append(f"     {url}")
        if project.description:
            lines.append(f"     {truncate(project.description, 200)}")
        lines.append("     " + " ".join(f"#{t}" for t in project.tags))
    first = response.offset + 1 if response.results else 0
    lines.append(f"Showing {first}-{response.offset + len(response.results)} of {response.total}.")
    return lines
