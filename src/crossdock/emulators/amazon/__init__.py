"""Amazon Selling Partner API emulator (LWA, Sellers, Tokens, Orders v0, Listings Items, Feeds (listings feeds and the
order acknowledgement feed that cancels orders), Reports with the returns report, Merchant Fulfillment (Buy Shipping),
ORDER_CHANGE) for testing offline."""

from crossdock.emulators.amazon.app import CallRecord
from crossdock.emulators.amazon.emulator import DEFAULT_APPLICATION_ID, AmazonEmulator
from crossdock.emulators.amazon.limits import USAGE_PLANS
from crossdock.emulators.amazon.marketplaces import MARKETPLACES, by_region

__all__ = ["DEFAULT_APPLICATION_ID", "MARKETPLACES", "USAGE_PLANS", "AmazonEmulator", "CallRecord", "by_region"]
