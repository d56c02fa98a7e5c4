"""Every table, in SQLAlchemy Core; migrations/ holds how they came to be."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from crossdock.persistence.types import Amount, UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Json = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY

organisations = Table(
    "organisations", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

platform_accounts = Table(
    "platform_accounts", metadata,
    Column("id", Id, primary_key=True),
    Column("organisation_id", Id, ForeignKey("organisations.id"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("external_id", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("organisation_id", "platform", "name"),
)

stores = Table(
    "stores", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, ForeignKey("platform_accounts.id"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("region", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("health", String(16), nullable=False),
    Column("health_detail", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("platform_status", String(64), nullable=False, server_default=""),   # as the platform reports it
    Column("platform_details", Json),                                           # performance figures etc.
    UniqueConstraint("platform", "external_id", name="uq_stores_platform_external_id"),
)

# Platform tokens, encrypted (Fernet) by the service before they get here.
store_credentials = Table(
    "store_credentials", metadata,
    Column("store_id", Id, ForeignKey("stores.id"), primary_key=True),
    Column("access_token", LargeBinary, nullable=False),
    Column("refresh_token", LargeBinary, nullable=False),
    Column("access_expires_at", UTCDateTime(), nullable=False),
    Column("refresh_expires_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Tokens of a platform account whose one authorization covers all its stores (Joom, Amazon, TikTok Shop).
account_credentials = Table(
    "account_credentials", metadata,
    Column("account_id", Id, ForeignKey("platform_accounts.id"), primary_key=True),
    Column("access_token", LargeBinary, nullable=False),
    Column("refresh_token", LargeBinary, nullable=False),
    Column("access_expires_at", UTCDateTime(), nullable=False),
    Column("refresh_expires_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("id", Id, primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("platform_order_id", String(100), nullable=False),
    Column("status", String(32), nullable=False),
    Column("platform_status", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),        # on the platform
    Column("platform_updated_at", UTCDateTime(), nullable=False),
    Column("paid_at", UTCDateTime()),
    Column("ship_by", UTCDateTime()),
    Column("buyer_id", String(100), nullable=False),
    Column("buyer_username", String(200), nullable=False),
    Column("buyer_note", Text, nullable=False),
    Column("cod", Boolean, nullable=False),
    Column("ship_name", String(200)),
    Column("ship_phone", String(64)),
    Column("ship_country", String(2)),
    Column("ship_state", String(200)),
    Column("ship_city", String(200)),
    Column("ship_district", String(200)),
    Column("ship_postcode", String(32)),
    Column("ship_line1", Text),
    Column("ship_full_address", Text),
    Column("raw", Json, nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("last_changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("store_id", "platform_order_id", name="uq_orders_store_platform_order"),
    Index("ix_orders_created", "created_at", "id"),
    Index("ix_orders_status_created", "status", "created_at", "id"),
    Index("ix_orders_store_created", "store_id", "created_at", "id"),
    Index("ix_orders_platform_updated", "platform_updated_at"),
)

order_lines = Table(
    "order_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("platform_line_id", String(100), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("platform_item_id", String(100), nullable=False),
    Column("platform_variant_id", String(100), nullable=False),
    Column("title", Text, nullable=False),
    Column("variant_title", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount(), nullable=False),
    Column("paid_unit_price", Amount(), nullable=False),
    UniqueConstraint("order_id", "position", name="uq_order_lines_order_position"),
)

order_status_history = Table(
    "order_status_history", metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("old_status", String(32)),
    Column("new_status", String(32), nullable=False),
    Column("platform_status", String(64), nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("platform_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

sync_cursors = Table(
    "sync_cursors", metadata,
    Column("store_id", Id, ForeignKey("stores.id"), primary_key=True),
    Column("stream", String(32), primary_key=True),
    Column("watermark", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

sync_runs = Table(
    "sync_runs", metadata,
    Column("id", Id, primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("stream", String(32), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("state", String(16), nullable=False),   # running, succeeded, failed
    Column("window_from", UTCDateTime(), nullable=False),
    Column("window_to", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("duration_seconds", Float),
    Column("pages", Integer, nullable=False, default=0),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("retries", Integer, nullable=False, default=0),
    Column("throttled", Integer, nullable=False, default=0),
    Column("throttle_wait_seconds", Float, nullable=False, default=0.0),
    Column("orders_new", Integer, nullable=False, default=0),
    Column("orders_updated", Integer, nullable=False, default=0),
    Column("orders_unchanged", Integer, nullable=False, default=0),
    Column("orders_stale", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("error_kind", String(32)),
    Column("error", Text),
    Index("ix_sync_runs_store_started", "store_id", "started_at"),
)

quarantine = Table(
    "quarantine", metadata,
    Column("id", Id, primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Json),
    Column("payload_hash", String(64), nullable=False),
    Column("sync_run_id", Id, ForeignKey("sync_runs.id")),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("times_seen", Integer, nullable=False, default=1),
    Column("resolved_at", UTCDateTime()),
    UniqueConstraint("store_id", "kind", "external_id", "payload_hash", name="uq_quarantine_record"),
)

# Every push a platform sent us, kept raw before anything is done with it.
push_deliveries = Table(
    "push_deliveries", metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("headers", Json, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),   # received, accepted, rejected, malformed, ignored
    Column("error", Text),
    Index("ix_push_deliveries_platform_received", "platform", "received_at"),
)

# What a verified push was about; the unique key makes a re-delivered push a no-op.
push_events = Table(
    "push_events", metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("delivery_id", Id, ForeignKey("push_deliveries.id"), nullable=False),
    Column("store_id", Id, ForeignKey("stores.id")),
    Column("platform_order_id", String(100), nullable=False),
    Column("state", String(16), nullable=False),   # queued, done, failed, unknown_store
    Column("error", Text),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime()),
    UniqueConstraint("platform", "event_id", name="uq_push_events_platform_event"),
)


# --- inventory: catalogue, listings, warehouses, stock -------------------------------------------

# Master SKUs: what the seller owns and counts. A bundle is a SKU made of others and holds no stock itself.
skus = Table(
    "skus", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(100), nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(16), nullable=False),            # single, bundle
    Column("barcode", String(64)),
    Column("weight_kg", Numeric(12, 3)),
    Column("length_cm", Numeric(10, 1)),
    Column("width_cm", Numeric(10, 1)),
    Column("height_cm", Numeric(10, 1)),
    Column("cost", Amount()),
    Column("cost_currency", String(3)),
    Column("temperature", String(16), nullable=False),     # ambient, chilled, frozen
    Column("safety_stock", Integer, nullable=False, server_default="0"),
    Column("hs_code", String(16), nullable=False, server_default=""),        # customs tariff code
    Column("origin_country", String(2), nullable=False, server_default="CN"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", name="uq_skus_code"),
    Index("ix_skus_barcode", "barcode"),
)

bundle_components = Table(
    "bundle_components", metadata,
    Column("bundle_id", Id, ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", Id, ForeignKey("skus.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="positive_quantity"),
)

# A store's listing variant as the platform reports it; (store, item, variant) is the platform's identity,
# sku_id the mapping to our catalogue, pushed_* what we last told the platform and how that went.
listings = Table(
    "listings", metadata,
    Column("id", Id, primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("item_id", String(100), nullable=False),
    Column("variant_id", String(100), nullable=False),
    Column("seller_sku", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("price", Amount()),
    Column("currency", String(3)),
    Column("platform_quantity", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("barcode", String(64), nullable=False, server_default=""),
    Column("raw", Json),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id")),
    Column("mapped_by", String(16)),                       # seller_sku, barcode, manual
    Column("pushed_quantity", Integer),
    Column("pushed_at", UTCDateTime()),
    Column("push_state", String(16), nullable=False, server_default="none"),   # none, ok, failed, retry
    Column("push_error", Text),
    Column("push_attempts", Integer, nullable=False, server_default="0"),
    UniqueConstraint("store_id", "item_id", "variant_id", name="uq_listings_store_item_variant"),
    Index("ix_listings_sku", "sku_id"),
    Index("ix_listings_store_seller_sku", "store_id", "seller_sku"),
    # The push loop asks for listings waiting for a retry every few seconds: a few rows among 100,000s.
    Index("ix_listings_push_retry", "sku_id", sqlite_where=text("push_state = 'retry'"),
          postgresql_where=text("push_state = 'retry'")),
)

warehouses = Table(
    "warehouses", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("kind", String(16), nullable=False),            # own, overseas, third_party
    Column("priority", Integer, nullable=False, server_default="100"),   # lower ships first
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", name="uq_warehouses_code"),
)

# The level of one SKU in one warehouse; changed only together with a stock_ledger row. The checks are the
# database's own guard: no bug elsewhere can leave stock negative or promise more than is on hand.
stock_levels = Table(
    "stock_levels", metadata,
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("sku_id", Id, ForeignKey("skus.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("inbound", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("on_hand >= 0 AND reserved >= 0 AND inbound >= 0", name="not_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_on_hand"),
    Index("ix_stock_levels_sku", "sku_id"),
)

# Append-only: every change of a level, with why and what caused it.
stock_ledger = Table(
    "stock_ledger", metadata,
    Column("id", Id, primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("inbound_delta", Integer, nullable=False),
    Column("on_hand_after", Integer, nullable=False),
    Column("reserved_after", Integer, nullable=False),
    Column("inbound_after", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_stock_ledger_key", "sku_id", "warehouse_id", "id"),
    Index("ix_stock_ledger_reference", "reference"),
)

# What an order holds: one row per order once its stock was settled (the key makes a replay a no-op).
order_stock = Table(
    "order_stock", metadata,
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),     # reserved, oversold, unmapped, released, shipped, untracked
    Column("shortfall", Json),                        # sku code -> units no warehouse could cover
    Column("unmapped", Json),                         # order lines with no master SKU
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_order_stock_state", "state"),
)

order_holds = Table(
    "order_holds", metadata,
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("sku_id", Id, ForeignKey("skus.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

# A store's share of each warehouse; a store without rows shares every active warehouse in full.
allocation_rules = Table(
    "allocation_rules", metadata,
    Column("store_id", Id, ForeignKey("stores.id"), primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("ratio", Numeric(5, 4)),
    Column("quota", Integer),
    CheckConstraint("(ratio IS NULL) <> (quota IS NULL)", name="ratio_or_quota"),
)

# Per store: whether Crossdock pushes quantities to its listings (off until the seller has counted stock,
# so connecting a store never zeroes its listings), and a safety threshold overriding the SKU's.
store_stock = Table(
    "store_stock", metadata,
    Column("store_id", Id, ForeignKey("stores.id"), primary_key=True),
    Column("push_enabled", Boolean, nullable=False),
    Column("safety_stock", Integer),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# SKUs whose listed quantities must be recomputed and pushed; written in the transaction that changed the
# stock, so a crash after commit still pushes. `seq` is a token renewed by every mark: the pusher clears only
# the marks it has seen.
stock_dirty = Table(
    "stock_dirty", metadata,
    Column("sku_id", Id, ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("marked_at", UTCDateTime(), nullable=False),
)

# Stock files (CSV/XLSX) as they were imported: every line's outcome kept, errors by line.
stock_imports = Table(
    "stock_imports", metadata,
    Column("id", Id, primary_key=True),
    Column("filename", String(300), nullable=False),
    Column("mode", String(8), nullable=False),        # set (a count), add (a delta)
    Column("imported_at", UTCDateTime(), nullable=False),
    Column("lines", Integer, nullable=False),
    Column("applied", Integer, nullable=False),
    Column("errors", Json, nullable=False),           # [{"line": 7, "error": "..."}]
)

# --- fulfilment ---------------------------------------------------------------------------------------------

# Where a warehouse ships from (the sender on labels and customs papers); JSON of domain Address fields.
warehouse_addresses = Table(
    "warehouse_addresses", metadata,
    Column("warehouse_id", Id, ForeignKey("warehouses.id", ondelete="CASCADE"), primary_key=True),
    Column("address", Json, nullable=False),
)

# The company that sells and invoices (one seller may run several), with its gapless invoice counter.
seller_entities = Table(
    "seller_entities", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", Json, nullable=False),
    Column("vat_number", String(32), nullable=False, server_default=""),
    Column("eori", String(32), nullable=False, server_default=""),
    Column("invoice_prefix", String(16), nullable=False),
    Column("next_invoice", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", name="uq_seller_entities_code"),
)

# Per store: who invoices its buyers and where its returns go.
store_fulfilment = Table(
    "store_fulfilment", metadata,
    Column("store_id", Id, ForeignKey("stores.id"), primary_key=True),
    Column("seller_entity_id", Id, ForeignKey("seller_entities.id")),
    Column("return_warehouse_id", Id, ForeignKey("warehouses.id")),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Review rules: which are on and their parameters; a code without a row is on with its defaults.
review_rules = Table(
    "review_rules", metadata,
    Column("code", String(32), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("params", Json, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Buyers, addresses, phones and e-mails whose orders are held; `value` is the normalised key.
blacklist = Table(
    "blacklist", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),          # buyer, address, phone, email
    Column("value", String(500), nullable=False),
    Column("shown", String(500), nullable=False),         # as the seller typed it
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "value", name="uq_blacklist_kind_value"),
)

# Where an order stands in review: one row once reviewed; reasons are the holds' codes and messages.
order_reviews = Table(
    "order_reviews", metadata,
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),          # held, approved, cancelled
    Column("reasons", Json, nullable=False),              # [{"code": "phone", "message": "..."}]
    Column("decided_by", String(16), nullable=False),     # rules, seller
    Column("note", Text, nullable=False, server_default=""),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Index("ix_order_reviews_state", "state"),
)

# The seller's accounts with carriers; settings (credentials) encrypted as a whole.
carrier_accounts = Table(
    "carrier_accounts", metadata,
    Column("id", Id, primary_key=True),
    Column("carrier", String(32), nullable=False),        # adapter code, or "platform" for marketplace logistics
    Column("name", String(200), nullable=False),
    Column("settings", LargeBinary, nullable=False),      # Fernet of the JSON settings
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("name", name="uq_carrier_accounts_name"),
)

shipping_rules = Table(
    "shipping_rules", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("priority", Integer, nullable=False),          # lower wins
    Column("carrier_account_id", Id, ForeignKey("carrier_accounts.id"), nullable=False),
    Column("service", String(64), nullable=False),
    Column("conditions", Json, nullable=False),           # countries, platforms, stores, warehouses, weights, values
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
)

pickup_points = Table(
    "pickup_points", metadata,
    Column("id", Id, primary_key=True),
    Column("carrier", String(32), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", Json, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("hours", Json, nullable=False),                # [{"weekday": 0, "opens": "08:00", "closes": "20:00"}]
    Column("slot_minutes", Integer, nullable=False),
    UniqueConstraint("carrier", "external_id", name="uq_pickup_points_carrier_external"),
)

# One parcel: part of an order (split) or several orders of one buyer (merged). The label is bought once:
# `reference` is ours and unique, so a retry after a crash finds the shipment instead of buying again.
shipments = Table(
    "shipments", metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(32), nullable=False),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("temperature", String(16), nullable=False),
    Column("state", String(16), nullable=False),          # planned, labelled, shipped, delivered, returned, cancelled
    Column("carrier_account_id", Id, ForeignKey("carrier_accounts.id")),
    Column("carrier", String(32)),
    Column("service", String(64)),
    Column("chosen_by", String(16)),                      # rule, seller
    Column("weight_grams", Integer, nullable=False),
    Column("value", Amount(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recipient", Json, nullable=False),
    Column("pickup_point_id", Id, ForeignKey("pickup_points.id")),
    Column("pickup_slot_start", UTCDateTime()),
    Column("pickup_slot_end", UTCDateTime()),
    Column("tracking_number", String(64)),
    Column("carrier_shipment_id", String(128)),
    Column("label", LargeBinary),
    Column("label_format", String(8)),
    Column("label_error", Text),
    Column("labelled_at", UTCDateTime()),
    Column("platform_state", String(16), nullable=False, server_default="none"),   # none, ok, retry, failed
    Column("platform_error", Text),
    Column("platform_attempts", Integer, nullable=False, server_default="0"),
    Column("confirmed_at", UTCDateTime()),
    Column("tracking_status", String(24)),
    Column("last_event_at", UTCDateTime()),
    Column("tracked_at", UTCDateTime()),
    Column("delivered_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("reference", name="uq_shipments_reference"),
    Index("ix_shipments_state", "state"),
    Index("ix_shipments_tracking", "tracking_number"),
)

shipment_lines = Table(
    "shipment_lines", metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="positive"),
    Index("ix_shipment_lines_shipment", "shipment_id"),
    Index("ix_shipment_lines_order", "order_id"),
)

tracking_events = Table(
    "tracking_events", metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("status", String(24), nullable=False),
    Column("code", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    UniqueConstraint("shipment_id", "at", "code", name="uq_tracking_events_shipment_at_code"),
)

# Exceptions a seller must look at; one open row per (kind, order or shipment), closed when it resolves.
fulfilment_exceptions = Table(
    "fulfilment_exceptions", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id")),
    Column("shipment_id", Id, ForeignKey("shipments.id")),
    Column("detail", Text, nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    Index("ix_fulfilment_exceptions_open", "resolved_at", "kind"),
)

# After-sales: a platform's return request, where the goods go, and what became of them.
returns = Table(
    "returns", metadata,
    Column("id", Id, primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("platform_return_id", String(100), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id")),
    Column("platform_order_id", String(100), nullable=False),
    Column("state", String(16), nullable=False),
    Column("platform_status", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("refund", Amount()),
    Column("currency", String(3)),
    Column("tracking_number", String(64), nullable=False, server_default=""),
    Column("warehouse_id", Id, ForeignKey("warehouses.id")),
    Column("lines", Json, nullable=False),               # [{"platform_line_id", "sku", "sku_id", "quantity"}]
    Column("received_at", UTCDateTime()),
    Column("inspection", Json),                          # [{"sku_id", "restocked", "written_off", "note"}]
    Column("raw", Json),
    Column("platform_updated_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("store_id", "platform_return_id", name="uq_returns_store_platform_return"),
    Index("ix_returns_state", "state"),
)

# EU sales invoices as issued: the number is taken from the entity's counter in the same transaction.
invoices = Table(
    "invoices", metadata,
    Column("id", Id, primary_key=True),
    Column("seller_entity_id", Id, ForeignKey("seller_entities.id"), nullable=False),
    Column("number", String(40), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("country", String(2), nullable=False),
    Column("vat_rate", Numeric(5, 2), nullable=False),
    Column("net", Amount(), nullable=False),
    Column("vat", Amount(), nullable=False),
    Column("gross", Amount(), nullable=False),
    Column("currency", String(3), nullable=False),
    UniqueConstraint("seller_entity_id", "number", name="uq_invoices_entity_number"),
    UniqueConstraint("order_id", name="uq_invoices_order"),
)

# Orders the seller cancelled, and whether their marketplace has been told: written in the transaction that releases
# the order's stock, sent afterwards (and retried) so a crash between the two never loses the cancellation.
order_cancellations = Table(
    "order_cancellations", metadata,
    Column("order_id", Id, ForeignKey("orders.id"), primary_key=True),
    Column("store_id", Id, ForeignKey("stores.id"), nullable=False),
    Column("reason", String(32), nullable=False),          # CancelReason
    Column("note", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False),           # pending, retry, ok, failed, manual
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_order_cancellations_state", "state"),
)
