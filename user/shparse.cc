// The shell's parser (see shparse.h for the grammar). A recursive-descent parser over a one-token
// lookahead: `tok_` is always the next token not yet consumed. Lists and pipelines are built with
// loops, not recursion, so a long line cannot overflow the one-page user stack; only parentheses
// recurse, and their depth is limited.
//
// Error handling: the first error is recorded in error_ and sets failed_; from then on every parse
// function returns nullptr at once, and parse() reports the failure.

#include "user/shparse.h"

namespace sh {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

bool is_symbol(char c) {
  return c == '|' || c == '&' || c == ';' || c == '(' || c == ')' || c == '<' || c == '>';
}

} // namespace

bool Parser::parse(const char* line, Cmd** out) {
  pos_ = line;
  failed_ = false;
  depth_ = 0;
  nnodes_ = 0;
  ntext_ = 0;
  nerror_ = 0;
  error_[0] = 0;

  advance();
  Cmd* cmd = parse_list();
  if (!failed_ && tok_ != Tok::End)
    fail_near(); // e.g. an unmatched ')'
  *out = failed_ ? nullptr : cmd;
  return !failed_;
}

// Reads the next token into tok_ (and its text into word_). Sets tok_ to End on errors.
void Parser::advance() {
  word_ = nullptr;
  while (is_blank(*pos_))
    pos_++;

  char c = *pos_;
  if (c == 0 || c == '#') {
    tok_ = Tok::End;
    return;
  }
  if (is_symbol(c)) {
    pos_++;
    switch (c) {
    case '|':
      tok_ = Tok::Pipe;
      break;
    case '&':
      tok_ = Tok::Amp;
      break;
    case ';':
      tok_ = Tok::Semi;
      break;
    case '(':
      tok_ = Tok::LParen;
      break;
    case ')':
      tok_ = Tok::RParen;
      break;
    case '<':
      tok_ = Tok::Less;
      break;
    default: // '>'
      tok_ = Tok::Great;
      if (*pos_ == '>') {
        pos_++;
        tok_ = Tok::GreatGreat;
      }
      break;
    }
    return;
  }

  // A word: copy it into text_, dropping quote marks.
  tok_ = Tok::Word;
  word_ = text_ + ntext_;
  char quote = 0; // the open quote character, or 0 outside quotes
  for (;;) {
    c = *pos_;
    if (c == 0) {
      if (quote != 0) {
        fail("unterminated quote");
        return;
      }
      break;
    }
    if (quote == 0 && (is_blank(c) || is_symbol(c)))
      break;
    pos_++;
    if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
      continue;
    }
    if (c == quote) {
      quote = 0;
      continue;
    }
    if (ntext_ + 1 >= kMaxText) { // keep room for the NUL
      fail("line too long");
      return;
    }
    text_[ntext_++] = c;
  }
  if (ntext_ >= kMaxText) {
    fail("line too long");
    return;
  }
  text_[ntext_++] = 0;
}

// list := job { (';' | '&') job }. Returns the jobs chained right to left: List(a, List(b, c)).
Cmd* Parser::parse_list() {
  Cmd* head = nullptr;
  Cmd** tail = &head; // where the next job goes
  for (;;) {
    Cmd* job = parse_pipeline();
    if (failed_)
      return nullptr;

    bool more = true;
    if (tok_ == Tok::Amp) {
      if (job == nullptr)
        return fail_near(); // nothing to put in the background
      advance();
      Cmd* back = new_node(Kind::Back);
      if (back == nullptr)
        return nullptr;
      back->left = job;
      job = back;
    } else if (tok_ == Tok::Semi) {
      advance();
    } else {
      more = false;
    }

    if (job != nullptr) {
      if (*tail == nullptr) {
        *tail = job;
      } else {
        Cmd* list = new_node(Kind::List);
        if (list == nullptr)
          return nullptr;
        list->left = *tail;
        list->right = job;
        *tail = list;
        tail = &list->right;
      }
    }
    if (!more || failed_)
      return failed_ ? nullptr : head;
  }
}

// pipeline := command { '|' command }. Returns Pipe(a, Pipe(b, c)), or nullptr if empty.
Cmd* Parser::parse_pipeline() {
  Cmd* head = nullptr;
  Cmd** tail = &head;
  for (;;) {
    Cmd* cmd = parse_command();
    if (failed_)
      return nullptr;
    if (cmd == nullptr) {
      // Empty is fine for a whole job, not for a side of '|': "| b", "a |", "a | | b".
      if (head != nullptr || tok_ == Tok::Pipe)
        return fail_near();
      return nullptr;
    }

    if (*tail == nullptr) {
      *tail = cmd;
    } else {
      Cmd* pipe = new_node(Kind::Pipe);
      if (pipe == nullptr)
        return nullptr;
      pipe->left = *tail;
      pipe->right = cmd;
      *tail = pipe;
      tail = &pipe->right;
    }

    if (tok_ != Tok::Pipe)
      return head;
    advance();
  }
}

// command := '(' list ')' { redirection } | { word | redirection }. nullptr if empty.
Cmd* Parser::parse_command() {
  if (tok_ == Tok::LParen) {
    if (depth_ == kMaxDepth)
      return fail("too many nested parentheses");
    advance();
    depth_++;
    Cmd* body = parse_list();
    depth_--;
    if (failed_)
      return nullptr;
    if (tok_ != Tok::RParen || body == nullptr)
      return fail_near(); // "(ls", "()"
    advance();

    Cmd* sub = new_node(Kind::Subshell);
    if (sub == nullptr)
      return nullptr;
    sub->left = body;
    while (!failed_ && (tok_ == Tok::Less || tok_ == Tok::Great || tok_ == Tok::GreatGreat)) {
      parse_redirection(sub);
    }
    if (failed_)
      return nullptr;
    if (tok_ == Tok::Word || tok_ == Tok::LParen)
      return fail_near(); // "(ls) foo"
    return sub;
  }

  Cmd* cmd = nullptr; // created by the first word or redirection
  for (;;) {
    if (tok_ == Tok::Word || tok_ == Tok::Less || tok_ == Tok::Great || tok_ == Tok::GreatGreat) {
      if (cmd == nullptr && (cmd = new_node(Kind::Exec)) == nullptr)
        return nullptr;
      if (tok_ == Tok::Word) {
        if (cmd->argc == kMaxArgs)
          return fail("too many arguments");
        cmd->argv[cmd->argc++] = word_;
        cmd->argv[cmd->argc] = nullptr;
        advance();
      } else {
        parse_redirection(cmd);
      }
      if (failed_)
        return nullptr;
    } else if (tok_ == Tok::LParen) {
      return fail_near(); // "echo (x)"
    } else {
      return cmd;
    }
  }
}

// redirection := ('<' | '>' | '>>') word. Appends it to cmd's redirections.
void Parser::parse_redirection(Cmd* cmd) {
  Redir r;
  r.fd = tok_ == Tok::Less ? 0 : 1;
  r.mode = tok_ == Tok::Less    ? RedirMode::Read
           : tok_ == Tok::Great ? RedirMode::Write
                                : RedirMode::Append;
  advance();
  if (failed_)
    return;
  if (tok_ != Tok::Word) {
    fail_near(); // "ls >", "cat < |"
    return;
  }
  if (cmd->nredir == kMaxRedirs) {
    fail("too many redirections");
    return;
  }
  r.file = word_;
  cmd->redirs[cmd->nredir++] = r;
  advance();
}

// A fresh node of the given kind, or nullptr (and an error) when the line has too many.
Cmd* Parser::new_node(Kind kind) {
  if (nnodes_ == kMaxNodes)
    return fail("too many commands");
  Cmd* cmd = &nodes_[nnodes_++];
  cmd->kind = kind;
  cmd->argc = 0;
  cmd->argv[0] = nullptr;
  cmd->nredir = 0;
  cmd->left = nullptr;
  cmd->right = nullptr;
  return cmd;
}

// Records `what` as the error unless one is recorded already; ends the token stream. nullptr.
Cmd* Parser::fail(const char* what) {
  if (!failed_) {
    failed_ = true;
    append_error(what);
  }
  tok_ = Tok::End;
  word_ = nullptr;
  return nullptr;
}

// Fails with "syntax error near 'T'", T being the current token ("newline" at the end).
Cmd* Parser::fail_near() {
  if (failed_)
    return nullptr;
  const char* spelling = "newline";
  switch (tok_) {
  case Tok::Word:
    spelling = word_;
    break;
  case Tok::Pipe:
    spelling = "|";
    break;
  case Tok::Amp:
    spelling = "&";
    break;
  case Tok::Semi:
    spelling = ";";
    break;
  case Tok::LParen:
    spelling = "(";
    break;
  case Tok::RParen:
    spelling = ")";
    break;
  case Tok::Less:
    spelling = "<";
    break;
  case Tok::Great:
    spelling = ">";
    break;
  case Tok::GreatGreat:
    spelling = ">>";
    break;
  case Tok::End:
    break;
  }
  append_error("syntax error near '");
  append_error(spelling);
  append_error("'");
  return fail("");
}

// Appends s to error_, truncating at kMaxError - 1 bytes.
void Parser::append_error(const char* s) {
  while (*s && nerror_ + 1 < kMaxError)
    error_[nerror_++] = *s++;
  error_[nerror_] = 0;
}

} // namespace sh
