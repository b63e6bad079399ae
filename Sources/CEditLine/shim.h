// The libedit C boundary (readline-compatible API plus history).
#include <stdio.h>
#include <editline/readline.h>
#include <histedit.h>
