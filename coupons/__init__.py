"""The community red card (社区红卡): merchants, campaigns, claims, redemption at the counter,
expiry and stats. Domain functions take plain values and model rows; the endpoints are in
miniprogram_api."""
