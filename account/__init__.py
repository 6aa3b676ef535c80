"""The official account: WeChat's pushes, replies, articles, notices, comments and followers."""
