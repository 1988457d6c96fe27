-- Full-text index over message text, kept behind the repository (DESIGN §4).
-- The trigram tokenizer gives substring matches like LIKE '%q%', but indexed.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(`content`, content='messages', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `messages_fts`(`rowid`, `content`) SELECT `id`, `content` FROM `messages`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
	INSERT INTO `messages_fts`(`rowid`, `content`) VALUES (new.`id`, new.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
	INSERT INTO `messages_fts`(`messages_fts`, `rowid`, `content`) VALUES ('delete', old.`id`, old.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF `content` ON `messages` BEGIN
	INSERT INTO `messages_fts`(`messages_fts`, `rowid`, `content`) VALUES ('delete', old.`id`, old.`content`);
	INSERT INTO `messages_fts`(`rowid`, `content`) VALUES (new.`id`, new.`content`);
END;
