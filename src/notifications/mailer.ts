import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail, id: number): Promise<void>;
  describe: string;
}

/**
 * SMTP through nodemailer when SMTP_URL is set; otherwise the development transport, which
 * writes each mail as `DATA_DIR/mail/<outbox id>.json` (the README says where to look).
 */
export function createMailer(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'DATA_DIR'>): Mailer {
  if (config.SMTP_URL) {
    const transport = nodemailer.createTransport(config.SMTP_URL);
    return {
      describe: `smtp ${new URL(config.SMTP_URL).host}`,
      send: async (mail) => void (await transport.sendMail({ from: config.MAIL_FROM, ...mail })),
    };
  }
  const dir = resolve(config.DATA_DIR, 'mail');
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    describe: `files in ${dir}`,
    send: async (mail, id) => {
      const info = await transport.sendMail({ from: config.MAIL_FROM, ...mail });
      await mkdir(dir, { recursive: true });
      await writeFile(resolve(dir, `${id}.json`), String(info.message));
    },
  };
}
