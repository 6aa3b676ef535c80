"""Every message Linli sends to a person on WeChat goes out through this package.

The domain decides WHAT to say and to whom, and keeps the row that records it (a staff reply's
OutboundMessage, a case's Notification, a coupon's reminder); this package decides HOW it
reaches them:
- payload.py: a Message holds what to say in each form WeChat may carry it (a customer-service
  text, a mini-program subscribe message, an official-account subscription notice, a template
  message), its template fields cut to WeChat's limits;
- reach.py: which of those forms reach the person now, in order (the 48-hour window in
  window.py, the resident's consent to a template);
- delivery.py: the queued row claimed once, each channel tried in turn (WeChat refusing one for
  want of a window or consent passes to the next), the outcome WeChat's answer means (sent,
  failed, unknown after a timeout, WeChat unreachable: retried by the queue), written on the row.
"""
