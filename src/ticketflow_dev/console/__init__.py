"""`ticketflow console`: a web page on 127.0.0.1 showing the local stack live, and a few actions on it.

security (who may ask), sources (the bounded reads of the stack), snapshot (their shaping into what the page
shows), poller (one background reader shared by every open page), actions (replay, faults), server (routes,
server-sent events) and static/ (the page itself: no CDN, everything served from here).
"""
