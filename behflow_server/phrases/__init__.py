"""The date/time phrase grammar behind `behflow_server.dates` (call that module's functions).

A small hand-made grammar over words, because locating a date inside a task title needs to know
exactly which words a phrase consumed and which words are too weak to be a date on their own
("the 5th", "may", "sun"); calendar arithmetic comes from python-dateutil, holidays from the
`holidays` package. One module per concern, imported bottom-up without cycles:

    result -> vocabulary -> tokens -> reading -> windows -> clock, days, periods, durations,
           holidays -> grammar -> ranges -> find

`windows` also turns what a phrase reads as into a list window (`parsed_window`);
`behflow_server.dates.read_window` reads a whole phrase into one.

Conventions are listed in docs/agent.md, "Dates and times".
"""
