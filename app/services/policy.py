"""The review policy in force (blind review, conflicts, the 要協議 margin, awards), set from
the settings when the app starts, so rules that need it do not thread settings through
every call. One process serves one configuration."""

from dataclasses import dataclass, field

from app.config import DEFAULT_AWARDS, Settings


@dataclass
class ReviewPolicy:
    blind: bool = True
    exclude_same_department: bool = True
    spread_margin: float = 20.0
    decision_requires_review: bool = True
    awards: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_AWARDS))


policy = ReviewPolicy()


def configure(settings: Settings) -> None:
    policy.blind = settings.blind_review
    policy.exclude_same_department = settings.review_exclude_same_department
    policy.spread_margin = settings.review_spread_margin
    policy.decision_requires_review = settings.decision_requires_review
    policy.awards = dict(settings.awards)
