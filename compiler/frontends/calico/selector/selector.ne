# Calico selector grammar (projectcalico/calico libcalico-go/lib/selector/parser/parser.go; calico.md §1.2).
#
# Terminals are token kinds of lexer.ts (%label, %string, %eq, …); the tokenizer has already applied the
# lexical rules (operator words only after a label, has(/all(/global( as single tokens). Actions name
# functions of build.ts only: scripts/gen-calico-grammar.ts turns this file into grammar.generated.ts.
#
# Precedence, low to high: ||, &&, a run of ! (collapsed by parity), atoms and parentheses.
# Parentheses build no node; && and || chains are n-ary; a set literal may end with a comma.

main        -> %eof                                 {% build.empty %}
             | or %eof                              {% build.first %}

or          -> andList                              {% build.or %}
andList     -> and                                  {% build.list %}
             | andList %or and                      {% build.append %}

and         -> opList                               {% build.and %}
opList      -> op                                   {% build.list %}
             | opList %and op                       {% build.append %}

op          -> nots atom                            {% build.negate %}
nots        -> null                                 {% build.zero %}
             | nots %not                            {% build.increment %}

atom        -> %has                                 {% build.hasLabel %}
             | %all                                 {% build.all %}
             | %global                              {% build.global %}
             | %lparen or %rparen                   {% build.second %}
             | %label compareOp %string             {% build.compare %}
             | %label setOp set                     {% build.membership %}

compareOp   -> %eq                                  {% build.first %}
             | %ne                                  {% build.first %}
             | %contains                            {% build.first %}
             | %startsWith                          {% build.first %}
             | %endsWith                            {% build.first %}

setOp       -> %in                                  {% build.first %}
             | %notIn                               {% build.first %}

set         -> %lbrace %rbrace                      {% build.emptyList %}
             | %lbrace members %rbrace              {% build.second %}
             | %lbrace members %comma %rbrace       {% build.second %}
members     -> %string                              {% build.list %}
             | members %comma %string               {% build.append %}
