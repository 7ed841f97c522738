"""The analysed words of each proposal: the application's own text index (docs/text.md).

One row per (proposal, feature) — a content word's normalised form, a Sudachi synonym
group ("#1239") or a compound's part — with its weight in the title and in the four texts.
The application writes the rows whenever a proposal's title or texts change
(app/services/text_index.py), on SQLite and PostgreSQL alike; the similar-proposal hints,
the initiative suggestion and search ranking read them.

`ProposalTermCount` keeps, per feature, how many proposals have it (its document
frequency), changed in the same transaction as the rows, so that weighing a few hundred
features costs a few hundred primary-key reads rather than counting their rows.
"""

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

TERM_MAX = 100


class ProposalTerm(SQLModel, table=True):
    __tablename__ = "proposal_term"
    __table_args__ = (Index("ix_proposal_term_term_proposal_id", "term", "proposal_id"),)

    proposal_id: int = Field(
        sa_column=Column(Integer, ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True)
    )
    term: str = Field(sa_column=Column(String(TERM_MAX), primary_key=True))
    # The text's own word behind the feature (for a synonym group: the first such word).
    word: str = Field(sa_column=Column(String(TERM_MAX), nullable=False))
    title_weight: float = Field(sa_column=Column(Float, nullable=False))
    body_weight: float = Field(sa_column=Column(Float, nullable=False))


class ProposalTermCount(SQLModel, table=True):
    __tablename__ = "proposal_term_count"

    term: str = Field(sa_column=Column(String(TERM_MAX), primary_key=True))
    proposals: int = Field(sa_column=Column(Integer, nullable=False))
