//! Chat templates: the Jinja template a model ships in `tokenizer.chat_template`, which turns
//! a list of messages into the exact text the model was fine-tuned on (for SmolLM2:
//! `<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n`). Rendered with minijinja, with
//! Python's string methods (`.strip()`, …) that Hugging Face templates use.

use minijinja::{Environment, Error, ErrorKind, context};
use serde::Serialize;

/// One message of a conversation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Message {
    /// "system", "user" or "assistant".
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: &str) -> Message {
        Message { role: role.into(), content: content.into() }
    }
}

/// A model's chat template, parsed once.
pub struct ChatTemplate {
    env: Environment<'static>,
}

#[derive(Debug, thiserror::Error)]
#[error("chat template: {0:#}")]
pub struct TemplateError(#[from] Error);

impl ChatTemplate {
    pub fn new(source: &str) -> Result<ChatTemplate, TemplateError> {
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        // Templates call raise_exception("…") to reject conversations they cannot format.
        env.add_function("raise_exception", |msg: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_template_owned("chat", source.to_owned())?;
        Ok(ChatTemplate { env })
    }

    /// The prompt text for `messages`; with `add_generation_prompt`, ends where the
    /// assistant's reply should begin.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool, bos: &str, eos: &str) -> Result<String, TemplateError> {
        let tmpl = self.env.get_template("chat")?;
        Ok(tmpl.render(context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => bos,
            eos_token => eos,
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of SmolLM2's template (ChatML), written out for the test.
    const CHATML: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    #[test]
    fn chatml_template_renders_roles_and_the_generation_prompt() {
        let t = ChatTemplate::new(CHATML).unwrap();
        let text = t.render(&[Message::new("user", "Hi")], true, "", "").unwrap();
        assert_eq!(text, "<|im_start|>system\nYou are a helpful AI assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    #[test]
    fn python_string_methods_and_raise_exception_work() {
        let t = ChatTemplate::new("{{ messages[0]['content'].strip() }}{% if messages|length > 1 %}{{ raise_exception('one message only') }}{% endif %}").unwrap();
        assert_eq!(t.render(&[Message::new("user", "  x  ")], false, "", "").unwrap(), "x");
        let err = t.render(&[Message::new("user", "a"), Message::new("user", "b")], false, "", "").unwrap_err();
        assert!(err.to_string().contains("one message only"), "{err}");
    }
}
