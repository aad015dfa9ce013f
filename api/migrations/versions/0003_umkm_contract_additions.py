"""UMKM contract additions: business capital, the scale on the NIB, the legal form.

Revision ID: 0003
Revises: 0002

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("umkm", schema=None) as batch_op:
        batch_op.add_column(sa.Column("modal_usaha_idr", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("nib_scale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("legal_form", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("umkm", schema=None) as batch_op:
        batch_op.drop_column("legal_form")
        batch_op.drop_column("nib_scale")
        batch_op.drop_column("modal_usaha_idr")
