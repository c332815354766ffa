"""Cue phrases more than one stage reads: instructions smuggled into a question, and sentences
saying that sources disagree."""

from __future__ import annotations

import re

INJECTION = re.compile(
    r"(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?|rules)|disregard .{0,20}instructions|"
    r"system prompt|you are now|act as|pretend to be|^\s*(system|assistant|developer)\s*[:：]|"
    r"忽略(之前|以上|上面|前面|上述)?的?(所有)?(指令|指示|说明|规则|提示)|"
    r"无视(之前|以上|上面|前面)?的?(指令|规则)|系统提示|你现在是|扮演)",
    re.IGNORECASE,
)
# Words that say sources disagree: such a sentence states both sides, it is not a gap.
CONFLICT = re.compile(r"(说法不一|说法不同|不同来源|另一来源|有来源称|有的来源|有些来源|一些来源|存在分歧|相互矛盾|"
                      r"sources (differ|disagree)|conflict|other sources|another source|some sources)", re.I)
